package dev.pfs.pswitch.stress;

import dev.pfs.pswitch.ring.RequestDescriptor;
import dev.pfs.pswitch.ring.RequestFlyweight;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

/**
 * The request that does not fit before the ring's end: the client pads and wraps while the
 * switch polls (a poll that reads the padding stops at the ring's end; the next one goes on
 * from index 0, as the switch's next duty cycle does). The switch sees the whole request exactly once (during its poll or in the
 * drain after), never the padding as a request.
 */
@JCStressTest
@Outcome(id = "1, 9", expect = Expect.ACCEPTABLE, desc = "the whole request, once")
@Outcome(expect = Expect.FORBIDDEN, desc = "lost, torn, doubled, or padding taken for a request")
@State
public class WrappingRequestStress {
    private final ManyToOneRingBuffer ring = Rings.ring();
    private final RequestFlyweight r = new RequestFlyweight();
    private long whole;
    private long bad;
    private long lastId;

    public WrappingRequestStress() {
        // Move head and tail to 24 bytes short of the end: the next record must wrap.
        for (int i = 0; i < (Rings.CAPACITY - 24) / RequestDescriptor.RECORD_LENGTH; i++) {
            Rings.postRequest(ring, 1);
            ring.read((type, buffer, index, length) -> { }, 1);
        }
        int rest = (Rings.CAPACITY - 24) % RequestDescriptor.RECORD_LENGTH;
        if (rest > 0) {
            int i = ring.tryClaim(2, rest - 8);
            ring.commit(i);
            ring.read((type, buffer, index, length) -> { }, 1);
        }
    }

    private void drain() {
        ring.read((type, buffer, index, length) -> {
            r.wrap(buffer, index);
            if (type == RequestDescriptor.MSG_TYPE_ID && length == RequestDescriptor.LENGTH && Rings.wholeRequest(r)) {
                whole++;
                lastId = r.requestId();
            } else {
                bad++;
            }
        });
    }

    @Actor
    public void client() {
        Rings.postRequest(ring, 9);
    }

    @Actor
    public void switchAgent() {
        drain();
    }

    @Arbiter
    public void after(JJ_Result out) {
        // One read stops at the ring's end: past the padding the request waits at index 0.
        drain();
        drain();
        out.r1 = bad == 0 ? whole : -bad;
        out.r2 = lastId;
    }
}
