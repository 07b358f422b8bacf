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
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Two threads of one client post at once (the request ring takes many producers); then the
 * switch drains it. Both requests arrive, each whole, each once.
 */
@JCStressTest
@Outcome(id = "2, 0, 3", expect = Expect.ACCEPTABLE, desc = "both requests, whole, once each")
@Outcome(expect = Expect.FORBIDDEN, desc = "a request lost, torn or seen twice")
@State
public class ConcurrentClientsStress {
    private final ManyToOneRingBuffer ring = Rings.ring();
    private final RequestFlyweight r = new RequestFlyweight();
    private int whole;
    private int torn;
    private long idSum;

    private void drain() {
        ring.read((type, buffer, index, length) -> {
            r.wrap(buffer, index);
            if (type == RequestDescriptor.MSG_TYPE_ID && length == RequestDescriptor.LENGTH && Rings.wholeRequest(r)) {
                whole++;
                idSum += r.requestId();
            } else {
                torn++;
            }
        });
    }

    @Actor
    public void clientThread1() {
        Rings.postRequest(ring, 1);
    }

    @Actor
    public void clientThread2() {
        Rings.postRequest(ring, 2);
    }

    @Arbiter
    public void after(III_Result out) {
        drain();
        out.r1 = whole;
        out.r2 = torn;
        out.r3 = (int) idSum;
    }
}
