package dev.pfs.parallelraft;

import static dev.pfs.parallelraft.ScriptedGroup.any;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A member that needs entries its leader pruned gets a checkpoint when the caller says so: a
 * member that lost its disk under the same id once the leader forgets its progress (the leader's
 * record of its acknowledgements otherwise says it holds everything, and it is never caught up),
 * and a member that was down once the leader stops waiting for silent members (the group prunes
 * past it).
 */
@Timeout(30)
class RejoinTest {

    private static final byte[] DATA = {1, 2, 3};

    /** Leader 1 with {@code writes} entries applied and checkpointed everywhere, the logs pruned. */
    private static ScriptedGroup pruned(Mode mode, int writes) {
        ScriptedGroup g = new ScriptedGroup(mode, 3, c -> c);
        g.campaign(1);
        g.deliver(any());
        for (int i = 0; i < writes; i++) {
            g.propose(1, i * 2, 2, DATA);
        }
        g.deliver(any());
        rounds(g, 4);
        for (int id = 1; id <= 3; id++) {
            g.checkpoint(id);
        }
        rounds(g, 4);
        assertThat(g.node(1).firstIndex()).as("the leader pruned").isGreaterThan(2);
        return g;
    }

    /** Heartbeat rounds of the leader with everything delivered. */
    private static void rounds(ScriptedGroup g, int n) {
        for (int r = 0; r < n; r++) {
            g.tick(1, 2);
            g.deliver(any());
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aWipedMemberIsStreamedACheckpointOnceItsLeaderForgetsWhatItAcknowledged(Mode mode) {
        ScriptedGroup g = pruned(mode, 6);
        long checkpoint = g.node(1).firstIndex() - 1;
        g.crash(3);
        g.wipe(3);
        g.restart(3);
        rounds(g, 6);
        assertThat(g.node(3).commitPrefix()).as("a leader that remembers its acknowledgements never catches it up")
                .isZero();
        assertThat(g.node(1).forgetProgress(3)).isTrue();
        assertThat(g.node(2).forgetProgress(3)).as("a follower tracks nobody").isFalse();
        rounds(g, 6);
        assertThat(g.installed.get(3)).as("installed a checkpoint").isGreaterThanOrEqualTo(checkpoint);
        assertThat(g.node(3).commitPrefix()).isEqualTo(g.node(1).commitPrefix());
        assertThat(g.node(3).appliedPrefix()).isEqualTo(g.node(1).lastIndex());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aLeaderReleasingASilentMemberPrunesPastItAndStreamsItACheckpointWhenItReturns(Mode mode) {
        ScriptedGroup g = pruned(mode, 2);
        g.crash(3);
        for (int i = 0; i < 6; i++) {
            g.propose(1, 40 + i, 1, DATA);
        }
        g.deliver(any());
        rounds(g, 4);
        g.checkpoint(1);
        g.checkpoint(2);
        rounds(g, 4);
        long held = g.node(1).firstIndex();
        assertThat(g.node(1).releaseSilentMembers(100)).as("not silent that long yet").isZero();
        assertThat(g.node(1).releaseSilentMembers(8)).isEqualTo(1);
        rounds(g, 4);
        assertThat(g.node(1).firstIndex()).as("pruned past the silent member").isGreaterThan(held);
        assertThat(g.node(2).firstIndex()).as("the follower too").isGreaterThan(held);
        g.restart(3);
        rounds(g, 6);
        assertThat(g.installed.get(3)).as("installed a checkpoint").isNotNull();
        assertThat(g.node(3).appliedPrefix()).isEqualTo(g.node(1).lastIndex());
    }
}
