package dev.pfs.parallelraft;

import static dev.pfs.parallelraft.ScriptedGroup.any;
import static dev.pfs.parallelraft.ScriptedGroup.from;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The "ghost entry" flaw of the paper's merge stage (Gu et al.; ParallelRaft-CE): a new leader
 * that merges an old entry without re-stamping it can count it committed on a quorum, acknowledge
 * it, and lose it to a leader holding a conflicting entry with a higher term.
 * <ol>
 *   <li>Term 1: node 1 leads, takes write X at index 1, persists it alone.</li>
 *   <li>Term 2: node 2 leads with node 3's vote, takes write Y at index 1, persists it alone.</li>
 *   <li>Node 1 hears node 2's heartbeat and steps down.</li>
 *   <li>Term 3: node 1 leads with node 3's vote; its merge takes X from its own log, replicates it
 *       to node 3, commits and applies it: the client of X is acknowledged.</li>
 *   <li>Node 1 stops. Node 2 campaigns in term 4 with (last term 2, index 1).</li>
 * </ol>
 * Naive merge: node 3 holds X stamped 1, so node 2 looks more up to date, wins, merges Y (stamp 2
 * beats 1) over X and commits it: X, acknowledged, is gone. Safe merge: node 3 holds X re-stamped
 * 3, refuses node 2, and X survives.
 */
@Timeout(30)
class GhostEntryTest {

    private static final byte[] X = {'X'};
    private static final byte[] Y = {'Y'};

    private static ScriptedGroup runScenario(UnaryOperator<RaftConfig> tweak) {
        ScriptedGroup g = new ScriptedGroup(Mode.PARALLEL, 3, tweak);
        g.campaign(1);
        g.deliver(any());
        assertThat(g.node(1).readyToServe()).isTrue();

        assertThat(g.propose(1, 0, 1, X).accepted()).isTrue();
        g.drop(from(1));

        Predicate<Message> withoutNode1 = m -> m.from() != 1 && m.to() != 1;
        g.campaign(2);
        g.deliver(withoutNode1);
        g.drop(any());
        assertThat(g.node(2).readyToServe()).isTrue();
        assertThat(g.propose(2, 0, 1, Y).accepted()).isTrue();
        g.drop(any());

        Predicate<Message> votesOrNotToNode2 = m -> m.type() == MessageType.VOTE || m.type() == MessageType.VOTE_RESP
                || !(m.from() == 1 && m.to() == 2);
        g.tick(2, 2);
        g.deliver(m -> m.type() == MessageType.HEARTBEAT && m.to() == 1);
        g.drop(any());
        g.campaign(1);
        g.deliver(votesOrNotToNode2);
        g.drop(any());
        assertThat(g.node(1).term()).isEqualTo(3);
        assertThat(g.node(1).readyToServe()).as("node 1 leads term 3").isTrue();
        assertThat(g.applied.get(1)).as("X acknowledged: applied at the leader").extracting(Entry::data)
                .containsExactly(X);

        g.crash(1);
        for (int attempt = 0; attempt < 3 && g.node(2).role() != Role.LEADER; attempt++) {
            g.campaign(2);
            g.deliver(any());
        }
        g.pumpAll();
        return g;
    }

    @Test
    void naiveMergeLosesAnAcknowledgedEntry() {
        ScriptedGroup g = runScenario(RaftConfig::withNaiveMerge);
        assertThat(g.node(2).role()).isEqualTo(Role.LEADER);
        g.tick(2, 2);
        g.deliver(any());
        assertThat(g.applied.get(2)).extracting(Entry::data).containsExactly(Y);
        List<Entry> applied = g.applied.get(3);
        assertThat(applied).as("node 3 applied the ghost's replacement").isNotEmpty();
        assertThat(applied.getFirst().data()).as("index 1 holds Y: acknowledged X was lost").isEqualTo(Y);
    }

    @Test
    void safeMergeKeepsTheAcknowledgedEntry() {
        ScriptedGroup g = runScenario(c -> c);
        assertThat(g.node(2).role()).as("node 3 refuses node 2: it holds X re-stamped 3").isNotEqualTo(Role.LEADER);
        g.restart(1);
        for (int round = 0; round < 50; round++) {
            for (int id = 1; id <= 3; id++) {
                g.tick(id, 1);
            }
            g.deliver(any());
        }
        for (int id = 1; id <= 3; id++) {
            assertThat(g.applied.get(id)).as("node " + id).isNotEmpty();
            assertThat(g.applied.get(id).stream().filter(e -> e.index() == 1).findFirst().orElseThrow().data())
                    .as("index 1 on node " + id).isEqualTo(X);
        }
    }
}
