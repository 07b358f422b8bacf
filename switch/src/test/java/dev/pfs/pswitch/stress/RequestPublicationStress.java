package dev.pfs.pswitch.stress;

import dev.pfs.pswitch.ring.RequestDescriptor;
import dev.pfs.pswitch.ring.RequestFlyweight;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

/**
 * A client thread posts one request while the switch polls: the switch sees nothing or the whole
 * request, never a record whose fields are half written.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = Expect.ACCEPTABLE, desc = "the poll came before the commit")
@Outcome(id = "1, 5", expect = Expect.ACCEPTABLE, desc = "the whole request")
@Outcome(expect = Expect.FORBIDDEN, desc = "a torn or foreign record")
@State
public class RequestPublicationStress {
    private final ManyToOneRingBuffer ring = Rings.ring();
    private final RequestFlyweight r = new RequestFlyweight();

    @Actor
    public void client() {
        Rings.postRequest(ring, 5);
    }

    @Actor
    public void switchAgent(JJ_Result out) {
        ring.read((type, buffer, index, length) -> {
            r.wrap(buffer, index);
            boolean whole = type == RequestDescriptor.MSG_TYPE_ID && length == RequestDescriptor.LENGTH
                    && Rings.wholeRequest(r);
            out.r1 = whole ? 1 : -1;
            out.r2 = r.requestId();
        }, 1);
    }
}
