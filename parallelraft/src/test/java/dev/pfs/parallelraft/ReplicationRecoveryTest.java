package dev.pfs.parallelraft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A leader's replication to one follower recovers from lost messages and mismatched logs: a
 * pipelining slot is freed however the follower's acknowledged prefix catches up, and a window of
 * refused APPENDs is answered once, not once per refusal; an answer to an APPEND already answered
 * frees no slot.
 */
@Timeout(30)
class ReplicationRecoveryTest {

    private static RaftConfig pipelining(RaftConfig c, int maxInflight, int maxBatch) {
        return new RaftConfig(c.id(), c.voters(), c.mode(), c.lookBehind(), c.electionTicks(), c.heartbeatTicks(),
                maxInflight, maxBatch, c.preVote(), c.checkQuorum(), c.lbaCount(), c.randomSeed(), c.naiveMerge(),
                c.checkpointPiece());
    }

    @Test
    void aLostAppendResponseDoesNotStopReplicationForGood() {
        ScriptedGroup g = new ScriptedGroup(Mode.STRICT, 3, c -> pipelining(c, 1, 16));
        g.campaign(1);
        g.deliver(ScriptedGroup.any());
        long x = g.propose(1, 10, 1, new byte[] {1}).index();
        g.drop(m -> m.to() == 2 && m.type() == MessageType.APPEND);
        g.deliver(ScriptedGroup.any());
        assertThat(g.node(1).commitPrefix()).isEqualTo(x);
        // The stalled window is sent again, now with x's commit; its answer is lost.
        for (int t = 0; t < 20 && g.node(2).lastIndex() < x; t++) {
            g.tick(1, 1);
            g.deliver(ScriptedGroup.to(2));
        }
        assertThat(g.node(2).commitPrefix()).isEqualTo(x);
        g.drop(m -> m.from() == 2 && m.type() == MessageType.APPEND_RESP);
        // A heartbeat's answer reports x committed at node 2: its acknowledged prefix reaches next - 1.
        g.tick(1, 2);
        g.deliver(ScriptedGroup.any());
        long y = g.propose(1, 20, 1, new byte[] {2}).index();
        for (int t = 0; t < 100 && g.node(2).lastIndex() < y; t++) {
            g.tick(1, 1);
            g.deliver(ScriptedGroup.any());
        }
        assertThat(g.node(2).lastIndex()).as("node 2 gets y after 100 loss-free ticks").isEqualTo(y);
    }

    @Test
    void aMismatchedWindowIsAnsweredOncePerRoundTrip() {
        ScriptedGroup g = new ScriptedGroup(Mode.STRICT, 3, c -> pipelining(c, 16, 1));
        g.campaign(1);
        g.deliver(ScriptedGroup.any());
        for (int i = 0; i < 20; i++) {
            g.propose(1, i, 1, new byte[] {1});
        }
        g.drop(ScriptedGroup.any());
        // Node 2 leads term 2 with node 3 while node 1, the deposed leader, is cut off with 20
        // uncommitted entries of term 1.
        g.campaign(2);
        g.drop(ScriptedGroup.to(1));
        g.deliver(m -> m.to() != 1);
        for (int i = 0; i < 30; i++) {
            g.propose(2, i, 1, new byte[] {2});
            g.drop(ScriptedGroup.to(1));
            g.deliver(m -> m.to() != 1);
        }
        long last = g.node(2).lastIndex();
        assertThat(g.node(2).commitPrefix()).isEqualTo(last);
        // Node 1 rejoins; every round trip delivers what is in flight in reverse order.
        long appends = 0;
        int rounds = 0;
        for (; rounds < 40 && !(g.node(1).lastIndex() == last && g.node(1).entry(last).term() == 2); rounds++) {
            g.tick(2, 2);
            List<Message> batch = new ArrayList<>(g.inflight);
            g.inflight.clear();
            Collections.reverse(batch);
            for (Message m : batch) {
                if (m.type() == MessageType.APPEND && m.to() == 1) {
                    appends++;
                }
                g.node(m.to()).step(m);
                g.pump(m.to());
            }
        }
        assertThat(g.node(1).entry(last)).as("node 1 caught up in %d round trips", rounds).isNotNull();
        assertThat(appends).as("APPENDs to resynchronise %d entries", last).isLessThan(20 * last);
    }
    /**
     * Soak seed 40775 (strict, maxInflight 60, maxBatch 1): a follower restarted 194 entries
     * behind, the stall timer sent its window again while the first was still on the way, and
     * every answer, the late copies' included, freed a slot of the current window: each
     * retransmission added a window to the APPENDs in flight for good (11,087 APPENDs for 194
     * entries). Here the window of 8 is sent 4 times before anything arrives, and each round trip
     * delivers what is on the way in reverse order (before the fix: 3,649 APPENDs for 101 entries,
     * 648 on the way at once; after: 124 and 8).
     */
    @Test
    void answersToARetransmittedWindowFreeEachSlotOnce() {
        ScriptedGroup g = new ScriptedGroup(Mode.STRICT, 3, c -> pipelining(c, 8, 1));
        g.campaign(1);
        g.deliver(ScriptedGroup.any());
        for (int i = 0; i < 100; i++) {
            g.propose(1, i % 60, 1, new byte[] {1});
            g.deliver(m -> m.to() != 3 && m.from() != 3);
            g.drop(m -> m.to() == 3 || m.from() == 3);
        }
        long last = g.node(1).lastIndex();
        assertThat(g.node(1).commitPrefix()).isEqualTo(last);
        g.tick(1, 2);
        g.deliver(m -> m.to() != 1 || m.type() != MessageType.APPEND_RESP);
        // Node 3's link is slow: its window and the answers stay on the way over 4 stall timeouts.
        List<Message> slow = new ArrayList<>();
        for (int stall = 0; stall < 4 * 6; stall++) {
            g.tick(1, 1);
            g.deliver(m -> m.to() == 2 || m.from() == 2);
            slow.addAll(g.inflight);
            g.inflight.clear();
        }
        g.inflight.addAll(slow);
        long appends = 0;
        int widest = 0;
        for (int round = 0; round < 200 && g.node(3).lastIndex() < last; round++) {
            List<Message> batch = new ArrayList<>(g.inflight);
            g.inflight.clear();
            Collections.reverse(batch);
            if (round >= 2) {
                widest = Math.max(widest, (int) batch.stream().filter(m -> m.type() == MessageType.APPEND && m.to() == 3)
                        .count());
            }
            for (Message m : batch) {
                appends += m.type() == MessageType.APPEND && m.to() == 3 ? 1 : 0;
                g.node(m.to()).step(m);
                g.pump(m.to());
            }
            g.tick(1, 1);
        }
        assertThat(g.node(3).lastIndex()).as("node 3 caught up").isEqualTo(last);
        assertThat(widest).as("APPENDs on the way at once once the late copies arrived").isLessThanOrEqualTo(8);
        assertThat(appends).as("APPENDs to catch up %d entries", last).isLessThan(2 * last);
    }
}
