package dev.pfs.parallelraft;

import static dev.pfs.parallelraft.ScriptedGroup.any;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A deposed leader's unreplicated tail must not be committed above a later term's writes: the
 * merge takes holes from any reporter, so an old proposal can land at an index higher than newer
 * acknowledged writes of the same blocks and, applied after them, undo them. This is how
 * {@code ReplicatedPfsCrashTest} with a leader kill read an fsynced file back as zeros
 * (docs/replication.md "A deposed leader's tail").
 * <ol>
 *   <li>Term 1, leader 1: writes to blocks 10 and 11 (indices 1, 2), then OLD to block 0 (index
 *       3); none leaves node 1. Node 1 dies; its client saw no answer.</li>
 *   <li>Term 2, leader 2 with node 3: its merge finds nothing (end 0). The client retries OLD
 *       (index 1), then writes NEW to block 0 (index 2); both commit and are acknowledged.</li>
 *   <li>Every server restarts. Node 3 (most up to date) leads term 3 with node 1's vote; node 2
 *       stays down. The merge sees OLD at index 3 only on node 1.</li>
 * </ol>
 * Unless the merge drops OLD at 3 (a proposal of term 2 sits below it, so term 1's entry there
 * never committed), it commits it and block 0 ends with OLD although NEW was acknowledged last.
 */
@Timeout(30)
class DeposedTailMergeTest {

    private static final byte[] OLD = {'O'};
    private static final byte[] NEW = {'N'};

    @Test
    void newerAcknowledgedWriteSurvivesAnOlderTermsTailAtAHigherIndex() {
        ScriptedGroup g = termTwoOverwritesWhileNodeOneIsDown();
        electAfterAWholeGroupRestart(g, 3, "N");
    }

    /**
     * As above, but node 1 comes back during term 2 (its entries at 1 and 2 are replaced, OLD at
     * 3 stays: node 2's log ends at 2) and every node prunes through 2 before the restart, so
     * node 1 (now the most up to date: OLD at 3) wins, and the merge's evidence of term 2 lies
     * below its log: its compaction point must carry it.
     */
    @Test
    void newerAcknowledgedWriteSurvivesWhenItsEvidenceWasPruned() {
        ScriptedGroup g = termTwoOverwritesWhileNodeOneIsDown();
        restartAndCatchUp(g, 10);
        assertThat(g.node(1).commitPrefix()).isEqualTo(2);
        assertThat(g.node(1).entry(3).data()).as("node 1 still holds OLD at 3").isEqualTo(OLD);
        for (int id = 1; id <= 3; id++) {
            g.checkpoint(id);
        }
        g.tick(2, 2);
        g.deliver(m -> m.type() != MessageType.PRE_VOTE && m.type() != MessageType.VOTE);
        g.pumpAll();
        assertThat(g.node(3).firstIndex()).as("node 3 pruned the term-2 writes").isEqualTo(3);
        electAfterAWholeGroupRestart(g, 1, "none");
    }

    /**
     * As above, but nodes 2 and 3 prune the term-2 writes while node 1 is still down, so node 1
     * catches up by installing a checkpoint, not from entries: OLD at 3 stays above it, and the
     * evidence of term 2 must come with the checkpoint (found by {@code ReplicatedNetnsFaultTest},
     * seed 7: a deposed leader handed its group back committed its old tail above newer writes).
     */
    @Test
    void newerAcknowledgedWriteSurvivesWhenItsEvidenceCameInACheckpoint() {
        ScriptedGroup g = termTwoOverwritesWhileNodeOneIsDown();
        g.pumpAll();
        g.checkpoint(2);
        g.checkpoint(3);
        // The leader stops keeping entries for silent node 1 (as a server short of log room does).
        g.tick(2, 30);
        g.node(2).releaseSilentMembers(10);
        g.tick(2, 2);
        g.deliver(m -> m.from() != 1 && m.to() != 1);
        g.pumpAll();
        assertThat(g.node(2).firstIndex()).as("node 2 pruned the term-2 writes").isEqualTo(3);
        restartAndCatchUp(g, 20);
        assertThat(g.installed.get(1)).as("node 1 installed a checkpoint").isEqualTo(2L);
        assertThat(g.node(1).entry(3).data()).as("node 1 still holds OLD at 3").isEqualTo(OLD);
        // Node 3 may replay NEW from its log (its checkpoint may lie below it); nobody applies OLD.
        electAfterAWholeGroupRestart(g, 1, "none", "N");
    }

    /** Node 1 restarts and follows leader 2 for {@code rounds} ticks (no elections meanwhile). */
    private static void restartAndCatchUp(ScriptedGroup g, int rounds) {
        g.restart(1);
        for (int round = 0; round < rounds; round++) {
            g.tick(2, 1);
            g.tick(1, 1);
            g.tick(3, 1);
            g.deliver(m -> m.type() != MessageType.PRE_VOTE && m.type() != MessageType.VOTE);
        }
    }

    private static ScriptedGroup termTwoOverwritesWhileNodeOneIsDown() {
        ScriptedGroup g = new ScriptedGroup(Mode.PARALLEL, 3, c -> c);
        g.campaign(1);
        g.deliver(any());
        assertThat(g.node(1).readyToServe()).isTrue();
        assertThat(g.propose(1, 10, 1, new byte[] {'a'}).index()).isEqualTo(1);
        assertThat(g.propose(1, 11, 1, new byte[] {'b'}).index()).isEqualTo(2);
        assertThat(g.propose(1, 0, 1, OLD).index()).isEqualTo(3);
        g.crash(1);

        Predicate<Message> between2and3 = m -> m.from() != 1 && m.to() != 1;
        g.campaign(2);
        g.deliver(between2and3);
        assertThat(g.node(2).readyToServe()).as("node 2 leads term 2").isTrue();
        ProposeResult retry = g.propose(2, 0, 1, OLD);
        g.deliver(between2and3);
        ProposeResult last = g.propose(2, 0, 1, NEW);
        g.deliver(between2and3);
        assertThat(retry.index()).isLessThan(3);
        assertThat(last.index()).isLessThan(3);
        assertThat(g.node(2).committedAs(retry.index(), retry.term())).isTrue();
        assertThat(g.node(2).committedAs(last.index(), last.term())).as("NEW acknowledged").isTrue();
        return g;
    }

    /**
     * @param reapplied what the last write to block 0 the restarted nodes apply may be: "N", "O",
     *                  or "none" (it lies in their checkpoints)
     */
    private static void electAfterAWholeGroupRestart(ScriptedGroup g, int leader, String... reapplied) {
        for (int id = 1; id <= 3; id++) {
            if (!g.down.contains(id)) {
                g.crash(id);
            }
        }
        g.drop(any());
        g.restart(1);
        g.restart(3);
        for (int attempt = 0; attempt < 3 && g.node(leader).role() != Role.LEADER; attempt++) {
            g.campaign(leader);
            g.deliver(any());
        }
        assertThat(g.node(leader).role()).as("node %d leads", leader).isEqualTo(Role.LEADER);
        for (int round = 0; round < 20; round++) {
            g.tick(1, 1);
            g.tick(3, 1);
            g.deliver(any());
        }
        assertThat(g.node(leader).readyToServe()).isTrue();
        for (int id : List.of(1, 3)) {
            byte[] last = lastWriteOfBlock0(g.applied.get(id));
            assertThat(last == null ? "none" : new String(last, java.nio.charset.StandardCharsets.US_ASCII))
                    .as("block 0 on node %d", id).isIn((Object[]) reapplied);
        }
    }

    private static byte[] lastWriteOfBlock0(List<Entry> applied) {
        byte[] last = null;
        long at = 0;
        for (Entry e : applied) {
            if (e.kind() == EntryKind.WRITE && e.ranges().getFirst().start() == 0 && e.index() > at) {
                last = e.data();
                at = e.index();
            }
        }
        return last;
    }
}
