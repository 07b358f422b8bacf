package dev.pfs.parallelraft;

import static dev.pfs.parallelraft.ScriptedGroup.any;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Single-server membership changes and streaming catch-up: a server with an empty disk joins a
 * group whose leader pruned its log and catches up from the leader's checkpoint, streamed in
 * pieces; a leader that removes itself steps down and no longer campaigns; bad changes are refused
 * and change nothing.
 */
@Timeout(30)
class MembershipTest {

    private static final byte[] DATA = {5};

    /** A three-node group with {@code writes} writes applied everywhere, checkpointed and pruned. */
    private static ScriptedGroup prunedGroup(Mode mode, int writes) {
        ScriptedGroup g = new ScriptedGroup(mode, 3, c -> c.withCheckpointPiece(64));
        g.campaign(1);
        g.deliver(any());
        heartbeats(g);
        for (int i = 0; i < writes; i++) {
            g.propose(1, i * 2, 2, DATA);
        }
        g.deliver(any());
        heartbeats(g);
        for (int id = 1; id <= 3; id++) {
            g.checkpoint(id);
        }
        heartbeats(g);
        g.pumpAll();
        return g;
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void emptyServerJoinsFromAStreamedCheckpoint(Mode mode) {
        ScriptedGroup g = prunedGroup(mode, 6);
        RaftNode leader = g.node(1);
        assertThat(leader.firstIndex()).as("leader pruned its log").isGreaterThan(2);
        long checkpoint = g.checkpointAt.get(1);

        g.addServer(4, c -> c.withCheckpointPiece(64));
        assertThat(leader.proposeMembership(List.of(1, 2, 3, 4))).isEqualTo(RejectReason.NONE);
        g.pump(1);
        assertThat(leader.members()).as("the leader follows the change once appended").containsExactly(1, 2, 3, 4);
        assertThat(g.propose(1, 100, 1, DATA).reason()).as("writes wait for the change")
                .isEqualTo(RejectReason.CHANGING_MEMBERS);
        assertThat(leader.proposeMembership(List.of(1, 2, 3))).isEqualTo(RejectReason.CHANGING_MEMBERS);
        g.deliver(any());
        heartbeats(g);

        assertThat(g.installed.get(4)).as("server 4 installed the leader's checkpoint").isEqualTo(checkpoint);
        assertThat(g.received.get(4).toByteArray()).isEqualTo(ScriptedGroup.checkpointBytes(checkpoint));
        long pieces = g.trace.stream().filter(t -> t.startsWith("CHECKPOINT 1->4")).count();
        assertThat(pieces).as("1000 bytes in pieces of 64").isGreaterThanOrEqualTo(16);
        assertThat(g.node(4).members()).containsExactly(1, 2, 3, 4);
        assertThat(g.node(4).appliedPrefix()).isEqualTo(leader.lastIndex());
        assertThat(g.node(4).firstIndex()).isEqualTo(checkpoint + 1);

        assertThat(g.propose(1, 100, 1, DATA).reason()).as("writes resume once the change commits")
                .isEqualTo(RejectReason.NONE);
        g.deliver(any());
        heartbeats(g);
        for (int id = 1; id <= 4; id++) {
            assertThat(g.node(id).appliedPrefix()).as("node %d", id).isEqualTo(leader.lastIndex());
        }
    }

    /**
     * A server that joined while the leader still held its whole log caught up from APPENDs, which
     * never name the group's initial members (no entry does). Soak seed 20781 (strict): such a
     * member pruned below the change that added it, recorded no members at its compaction point,
     * became leader and streamed that checkpoint naming no members; the next joining server refused
     * every piece as malformed, for good.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void serverThatJoinedFromTheLogCatchesUpTheNextOne(Mode mode) {
        ScriptedGroup g = new ScriptedGroup(mode, 3, c -> c.withCheckpointPiece(64));
        g.campaign(1);
        g.deliver(any());
        heartbeats(g);
        for (int i = 0; i < 3; i++) {
            g.propose(1, i * 2, 2, DATA);
        }
        g.deliver(any());
        heartbeats(g);
        long beforeChange = g.node(1).lastIndex();
        assertThat(g.node(1).firstIndex()).as("the leader pruned nothing").isEqualTo(1);

        g.addServer(4, c -> c.withCheckpointPiece(64));
        assertThat(g.node(1).proposeMembership(List.of(1, 2, 3, 4))).isEqualTo(RejectReason.NONE);
        g.pump(1);
        g.deliver(any());
        heartbeats(g);
        assertThat(g.installed).as("server 4 caught up from the log").doesNotContainKey(4);
        assertThat(g.node(4).appliedPrefix()).isEqualTo(g.node(1).lastIndex());
        for (int id = 1; id <= 4; id++) {
            assertThat(g.node(id).checkpointed(beforeChange)).as("node %d checkpoints below the change", id).isTrue();
            g.checkpointAt.put(id, beforeChange);
        }
        heartbeats(g);
        g.pumpAll();
        HardState hs = g.hard.get(4);
        assertThat(hs.compactIndex() == 0 || hs.members().equals(List.of(1, 2, 3)))
                .as("server 4's hard state names the members at its compaction point: %s", hs).isTrue();

        g.campaign(4);
        g.deliver(any());
        heartbeats(g);
        RaftNode leader = g.node(4);
        assertThat(leader.readyToServe()).as("server 4 leads").isTrue();
        g.addServer(5, c -> c.withCheckpointPiece(64));
        assertThat(leader.proposeMembership(List.of(1, 2, 3, 4, 5))).isEqualTo(RejectReason.NONE);
        g.pump(4);
        g.deliver(any());
        heartbeats(g);
        assertThat(g.node(5).rejections()).as("server 5 refused nothing as malformed")
                .doesNotContainKey(RejectReason.MALFORMED);
        assertThat(g.node(5).members()).containsExactly(1, 2, 3, 4, 5);
        assertThat(g.node(5).appliedPrefix()).as("server 5 caught up").isEqualTo(leader.lastIndex());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void leaderThatRemovesItselfStepsDownAndStaysQuiet(Mode mode) {
        ScriptedGroup g = prunedGroup(mode, 2);
        assertThat(g.node(1).proposeMembership(List.of(2, 3))).isEqualTo(RejectReason.NONE);
        g.pump(1);
        g.deliver(any());
        heartbeats(g);
        g.pumpAll();
        assertThat(g.node(1).role()).as("removed leader steps down once the change commits")
                .isEqualTo(Role.FOLLOWER);
        assertThat(g.node(2).members()).containsExactly(2, 3);

        g.inflight.clear();
        g.tick(1, 40);
        assertThat(g.inflight).as("a removed server does not campaign").isEmpty();

        g.campaign(2);
        g.deliver(any());
        heartbeats(g);
        assertThat(g.node(2).role()).isEqualTo(Role.LEADER);
        assertThat(g.node(2).readyToServe()).isTrue();
        assertThat(g.propose(2, 50, 1, DATA).reason()).isEqualTo(RejectReason.NONE);
        g.deliver(any());
        heartbeats(g);
        assertThat(g.node(3).appliedPrefix()).as("two members commit without the removed one")
                .isEqualTo(g.node(2).lastIndex());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void badChangesAreRefusedAndChangeNothing(Mode mode) {
        ScriptedGroup g = prunedGroup(mode, 1);
        RaftNode leader = g.node(1);
        long last = leader.lastIndex();
        assertThat(leader.proposeMembership(List.of(1, 2, 3, 4, 5))).isEqualTo(RejectReason.INVALID_MEMBERSHIP);
        assertThat(leader.proposeMembership(List.of(1, 2, 4))).isEqualTo(RejectReason.INVALID_MEMBERSHIP);
        assertThat(leader.proposeMembership(List.of(1, 2, 3))).isEqualTo(RejectReason.INVALID_MEMBERSHIP);
        assertThat(leader.proposeMembership(List.of(1, 2, 3, 3))).isEqualTo(RejectReason.INVALID_MEMBERSHIP);
        assertThat(leader.proposeMembership(List.of(1, 2, 3, -4))).isEqualTo(RejectReason.INVALID_MEMBERSHIP);
        assertThat(g.node(2).proposeMembership(List.of(1, 2))).isEqualTo(RejectReason.NOT_LEADER);
        g.pumpAll();
        assertThat(leader.lastIndex()).isEqualTo(last);
        assertThat(leader.members()).containsExactly(1, 2, 3);
        assertThat(leader.rejections().get(RejectReason.INVALID_MEMBERSHIP)).isEqualTo(5);
        assertThat(leader.readyToServe()).isTrue();
    }

    private static void heartbeats(ScriptedGroup g) {
        for (int round = 0; round < 12; round++) {
            for (int id : g.nodes.keySet()) {
                if (!g.down.contains(id) && g.node(id).role() == Role.LEADER) {
                    g.tick(id, 2);
                }
            }
            g.deliver(any());
        }
    }
}
