package dev.pfs.parallelraft;

import static dev.pfs.parallelraft.ScriptedGroup.any;
import static dev.pfs.parallelraft.ScriptedGroup.to;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Checkpoints and log compaction: a replica prunes only entries every member knows committed,
 * the commit prefix and compaction point survive a restart, and a replica whose log was pruned
 * away still wins an election (its pruned stamps count as up to date).
 */
@Timeout(30)
class CompactionTest {

    private static final byte[] DATA = {1, 2, 3};

    @ParameterizedTest
    @EnumSource(Mode.class)
    void prunesOnlyWhatEveryMemberCommittedAndSurvivesRestart(Mode mode) {
        ScriptedGroup g = new ScriptedGroup(mode, 3, c -> c);
        g.campaign(1);
        g.deliver(any());
        for (int i = 0; i < 4; i++) {
            g.propose(1, i * 2, 2, DATA);
        }
        g.deliver(any());
        heartbeats(g);
        long c3 = g.node(3).commitPrefix();
        g.drop(to(3));
        for (int i = 0; i < 4; i++) {
            g.propose(1, 20 + i, 1, DATA);
        }
        g.deliver(m -> m.to() != 3);
        g.drop(to(3));
        for (int id = 1; id <= 3; id++) {
            assertThat(g.node(id).checkpointed(g.node(id).appliedPrefix() + 1)).as("above the applied prefix")
                    .isFalse();
            assertThat(g.node(id).checkpointed(g.node(id).appliedPrefix())).isTrue();
        }
        g.tick(1, 2);
        g.deliver(m -> m.to() != 3);
        g.drop(to(3));
        g.pumpAll();
        for (int id = 1; id <= 2; id++) {
            assertThat(g.node(id).firstIndex() - 1).as("node %d prunes no further than node 3 committed", id)
                    .isPositive().isLessThanOrEqualTo(c3);
            assertThat(g.hard.get(id).compactIndex()).isEqualTo(g.node(id).firstIndex() - 1);
            assertThat(g.disks.get(id).firstKey()).isGreaterThan(g.hard.get(id).compactIndex());
        }
        heartbeats(g);
        long end = g.node(1).lastIndex();
        assertThat(g.node(3).appliedPrefix()).as("node 3 caught up from entries").isEqualTo(end);
        g.node(3).checkpointed(end);
        heartbeats(g);

        long commit3 = g.node(3).commitPrefix();
        g.crash(3);
        g.restart(3);
        assertThat(g.node(3).commitPrefix()).as("commit prefix is hard state").isEqualTo(commit3);
        assertThat(g.node(3).firstIndex()).isGreaterThan(1);
        g.crash(1);
        g.campaign(3);
        g.deliver(any());
        g.tick(3, 2);
        g.deliver(any());
        assertThat(g.node(3).role()).isEqualTo(Role.LEADER);
        assertThat(g.node(3).readyToServe()).isTrue();
        assertThat(g.propose(3, 40, 1, DATA).reason()).isEqualTo(RejectReason.NONE);
        g.deliver(any());
        heartbeats(g);
        assertThat(g.node(2).appliedPrefix()).isEqualTo(g.node(3).lastIndex());
        assertThat(g.node(3).appliedPrefix()).isEqualTo(g.node(3).lastIndex());
    }

    private static void heartbeats(ScriptedGroup g) {
        for (int round = 0; round < 4; round++) {
            for (int id = 1; id <= 3; id++) {
                if (!g.down.contains(id) && g.node(id).role() == Role.LEADER) {
                    g.tick(id, 2);
                }
            }
            g.deliver(any());
        }
    }
}
