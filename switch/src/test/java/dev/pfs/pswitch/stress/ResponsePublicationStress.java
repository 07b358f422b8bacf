package dev.pfs.pswitch.stress;

import dev.pfs.pswitch.ring.ResponseDescriptor;
import dev.pfs.pswitch.ring.ResponseFlyweight;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Two backend threads complete requests of one client at once (the response ring takes many
 * producers); then the client's poller drains it: both completions arrive whole, once each.
 */
@JCStressTest
@Outcome(id = "2, 0, 30", expect = Expect.ACCEPTABLE, desc = "both completions, whole, once each")
@Outcome(expect = Expect.FORBIDDEN, desc = "a completion lost, torn or seen twice")
@State
public class ResponsePublicationStress {
    private final ManyToOneRingBuffer ring = Rings.ring();
    private final ResponseFlyweight r = new ResponseFlyweight();
    private int whole;
    private int torn;
    private long idSum;

    private void drain() {
        ring.read((type, buffer, index, length) -> {
            r.wrap(buffer, index);
            if (type == ResponseDescriptor.MSG_TYPE_ID && length == ResponseDescriptor.LENGTH && Rings.wholeResponse(r)) {
                whole++;
                idSum += r.requestId();
            } else {
                torn++;
            }
        });
    }

    @Actor
    public void backendThread1() {
        Rings.postResponse(ring, 10);
    }

    @Actor
    public void backendThread2() {
        Rings.postResponse(ring, 20);
    }

    @Arbiter
    public void after(III_Result out) {
        drain();
        out.r1 = whole;
        out.r2 = torn;
        out.r3 = (int) idSum;
    }
}
