package dev.pfs.chunkserver.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The order a peer's addresses are dialed in, and what a stale or a proven address changes. */
class PeerAddressesTest {
    private static InetSocketAddress at(int port) {
        return InetSocketAddress.createUnresolved("127.0.0.1", port);
    }

    @Test
    void aLearnedAddressIsTriedOnceTheCurrentOneFails() {
        PeerAddresses p = new PeerAddresses(at(1000));
        p.learn(at(2000));
        assertThat(p.next()).isEqualTo(at(2000));
        p.failed(at(2000), 0);
        assertThat(p.next()).isEqualTo(at(1000));
        p.failed(at(1000), 0);
        assertThat(p.next()).as("the turns go round").isEqualTo(at(2000));
    }

    @Test
    void theProvenAddressComesFirstAndAStaleOneOnlyCostsAFailedDial() {
        PeerAddresses p = new PeerAddresses(at(1000));
        p.learn(at(2000));
        assertThat(p.proved(at(2000))).as("news").isTrue();
        assertThat(p.proved(at(2000))).as("proved again: no news").isFalse();
        // A client with an old placement names the old address again.
        p.learn(at(1000));
        assertThat(p.order()).containsExactly(at(2000), at(1000));
        assertThat(p.next()).isEqualTo(at(2000));
        p.failed(at(2000), 0);
        assertThat(p.next()).isEqualTo(at(1000));
        p.failed(at(1000), 0);
        assertThat(p.next()).isEqualTo(at(2000));
    }

    @Test
    void resolvedAndUnresolvedFormsOfOneAddressAreOne() {
        PeerAddresses p = new PeerAddresses(at(1000));
        p.learn(new InetSocketAddress("127.0.0.1", 1000));
        assertThat(p.order()).containsExactly(at(1000));
        assertThat(PeerAddresses.same(new InetSocketAddress("127.0.0.1", 1000), at(1000))).isTrue();
        assertThat(PeerAddresses.same(at(1001), at(1000))).isFalse();
    }

    @Test
    void onlyTheNewestAddressesAreKept() {
        PeerAddresses p = new PeerAddresses(at(1000));
        for (int i = 1; i <= 10; i++) {
            p.learn(at(1000 + i));
        }
        assertThat(p.order()).hasSize(PeerAddresses.MAX_LEARNED).startsWith(at(1010)).doesNotContain(at(1000));
        assertThat(p.proved(at(999))).isTrue();
        assertThat(p.order()).hasSize(PeerAddresses.MAX_LEARNED + 1).startsWith(at(999), at(1010));
    }

    @Test
    void aFailureAtAnAddressNoLongerKnownMovesNothing() {
        PeerAddresses p = new PeerAddresses(at(1000));
        p.learn(at(2000));
        p.failed(at(3000), 0);
        assertThat(p.next()).isEqualTo(at(2000));
    }

    @Test
    void anAddressServingAnotherServerIsReportedOncePerProof() {
        PeerAddresses p = new PeerAddresses(at(1000));
        assertThat(p.firstMismatch(at(1000))).isTrue();
        assertThat(p.firstMismatch(at(1000))).isFalse();
        p.proved(at(2000));
        assertThat(p.firstMismatch(at(1000))).isTrue();
    }

    @Test
    void afterAFailedTurnThroughEveryAddressDialsWaitLongerEachTurnUpToASecond() {
        PeerAddresses p = new PeerAddresses(at(1000));
        p.learn(at(2000));
        long t = 0;
        assertThat(p.mayDial(t)).isTrue();
        p.failed(at(2000), t);
        assertThat(p.mayDial(t)).as("the other address is still to try").isTrue();
        long[] expected = {100, 200, 400, 800, 1000, 1000};
        for (long pauseMillis : expected) {
            p.failed(p.next(), t);
            long until = t + pauseMillis * 1_000_000;
            assertThat(p.mayDial(until - 1)).as("waiting %d ms", pauseMillis).isFalse();
            assertThat(p.mayDial(until)).isTrue();
            t = until;
            p.failed(p.next(), t);
            assertThat(p.mayDial(t)).as("mid-turn").isTrue();
        }
    }

    @Test
    void aNewAddressOrAProofEndsTheWait() {
        PeerAddresses p = new PeerAddresses(at(1000));
        p.failed(at(1000), 0);
        assertThat(p.mayDial(1)).isFalse();
        p.learn(at(2000));
        assertThat(p.mayDial(1)).as("where the peer may have come back").isTrue();
        p.failed(at(2000), 0);
        p.failed(at(1000), 0);
        assertThat(p.mayDial(1)).isFalse();
        p.proved(at(2000));
        assertThat(p.mayDial(1)).isTrue();
        p.failed(at(2000), 0);
        p.failed(at(1000), 0);
        assertThat(p.mayDial(1)).as("counting from the proof again: the first wait").isFalse();
        assertThat(p.mayDial(PeerAddresses.FIRST_PAUSE_NANOS)).isTrue();
    }
}
