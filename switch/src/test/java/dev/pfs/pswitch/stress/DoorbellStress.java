package dev.pfs.pswitch.stress;

import dev.pfs.pswitch.ring.ChannelDescriptor;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * The sleep handshake, with the same buffer operations as {@code Channel}: a client commits a
 * request, fences and takes the asleep flag; the switch raises the flag and looks at the ring
 * head once more. At least one must see the other, or the request waits behind a sleeping
 * switch.
 */
@JCStressTest
@Outcome(id = "true, false", expect = Expect.ACCEPTABLE, desc = "the client rang the doorbell")
@Outcome(id = "false, true", expect = Expect.ACCEPTABLE, desc = "the switch saw the request before sleeping")
@Outcome(id = "true, true", expect = Expect.ACCEPTABLE, desc = "both")
@Outcome(id = "false, false", expect = Expect.FORBIDDEN, desc = "lost wake-up")
@State
public class DoorbellStress {
    private final ManyToOneRingBuffer ring = Rings.ring();
    private final UnsafeBuffer header = new UnsafeBuffer(ByteBuffer.allocateDirect(ChannelDescriptor.HEADER_LENGTH));

    @Actor
    public void client(ZZ_Result out) {
        Rings.postRequest(ring, 3);
        VarHandle.fullFence();
        out.r1 = header.getIntVolatile(ChannelDescriptor.SWITCH_ASLEEP_OFFSET) == 1
                && header.compareAndSetInt(ChannelDescriptor.SWITCH_ASLEEP_OFFSET, 1, 0);
    }

    @Actor
    public void switchAgent(ZZ_Result out) {
        header.putIntVolatile(ChannelDescriptor.SWITCH_ASLEEP_OFFSET, 1);
        long head = ring.buffer().getLongVolatile(ring.capacity() + RingBufferDescriptor.HEAD_POSITION_OFFSET);
        out.r2 = ring.buffer().getIntVolatile((int) head & (ring.capacity() - 1)) > 0;
    }
}
