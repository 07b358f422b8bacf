package dev.pfs.pswitch.stress;

import dev.pfs.pswitch.ring.RequestDescriptor;
import dev.pfs.pswitch.ring.RequestFlyweight;
import dev.pfs.pswitch.ring.ResponseDescriptor;
import dev.pfs.pswitch.ring.ResponseFlyweight;
import dev.pfs.pswitch.ring.SwitchOp;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The ring protocol's two halves as the switch and the client write them, over a small ring,
 * for the stress tests: post a request the way {@code SwitchConnection} does, answer the way
 * {@code ClientSession} does.
 */
final class Rings {
    static final int CAPACITY = 1024;

    private Rings() {
    }

    static ManyToOneRingBuffer ring() {
        return new ManyToOneRingBuffer(new UnsafeBuffer(
                BufferUtil.allocateDirectAligned(CAPACITY + RingBufferDescriptor.TRAILER_LENGTH, 64)));
    }

    /** Posts a write request whose fields all derive from {@code id}. @return whether it fit */
    static boolean postRequest(RingBuffer ring, long id) {
        int i = ring.tryClaim(RequestDescriptor.MSG_TYPE_ID, RequestDescriptor.LENGTH);
        if (i <= 0) {
            return false;
        }
        new RequestFlyweight().wrap(ring.buffer(), i).requestId(id).volumeOffset(id * 4096).length(id * 512)
                .arenaOffset(id * 8192).epoch(id + 1).op(SwitchOp.WRITE).flags(0);
        ring.commit(i);
        return true;
    }

    /** @return whether a request record is whole: every field what {@link #postRequest} derived from its id */
    static boolean wholeRequest(RequestFlyweight r) {
        long id = r.requestId();
        return r.volumeOffset() == id * 4096 && r.length() == id * 512 && r.arenaOffset() == id * 8192
                && r.epoch() == id + 1 && r.op() == SwitchOp.WRITE && r.flags() == 0;
    }

    /** Posts a response whose fields derive from {@code id}. @return whether it fit */
    static boolean postResponse(RingBuffer ring, long id) {
        int i = ring.tryClaim(ResponseDescriptor.MSG_TYPE_ID, ResponseDescriptor.LENGTH);
        if (i <= 0) {
            return false;
        }
        new ResponseFlyweight().wrap(ring.buffer(), i).requestId(id).value(id * 3).status((int) id + 7);
        ring.commit(i);
        return true;
    }

    /** @return whether a response record is whole */
    static boolean wholeResponse(ResponseFlyweight r) {
        long id = r.requestId();
        return r.value() == id * 3 && r.status() == (int) id + 7;
    }
}
