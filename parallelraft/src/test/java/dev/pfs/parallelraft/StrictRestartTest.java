package dev.pfs.parallelraft;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Strict mode when a caller persists several Readies at once and crashes with a hole: a new leader
 * counts itself only for entries it holds durably without a hole below them, and a restart that
 * drops the entries above a hole drops them from the caller's disk too.
 */
@Timeout(30)
class StrictRestartTest {

    private ScriptedGroup g;
    private long x;
    /** Node 2's Ready that writes {@code x}: kept in flight, then lost in a crash. */
    private Ready writesX;

    /**
     * Leader 1 commits {@code x} (index 2) and {@code y} (index 3) with node 3; follower 2 keeps the
     * Ready writing {@code x} in flight, lands {@code y} and learns from the APPEND of {@code y}
     * that {@code x} is committed (in memory: its hard state's commit stays below {@code x}).
     */
    private void followerWithAHoleBelowDurableEntries() {
        g = new ScriptedGroup(Mode.STRICT, 3, c -> c);
        g.campaign(1);
        g.deliver(ScriptedGroup.any());
        x = g.propose(1, 10, 1, new byte[] {1}).index();
        Message appendX = g.inflight.stream().filter(m -> m.to() == 2 && m.type() == MessageType.APPEND)
                .findFirst().orElseThrow();
        g.inflight.remove(appendX);
        g.deliver(m -> m.to() != 2);
        g.node(2).step(appendX);
        writesX = g.take(2);
        assertThat(writesX.entries()).extracting(Entry::index).containsExactly(x);
        g.propose(1, 20, 1, new byte[] {2});
        g.deliver(ScriptedGroup.any());
        assertThat(g.node(2).commitPrefix()).as("node 2 knows x committed").isGreaterThanOrEqualTo(x);
        assertThat(g.disks.get(2)).as("node 2's disk: a hole at x, y above it").doesNotContainKey(x)
                .containsKey(x + 1);
    }

    @Test
    void aNewLeaderWithAHoleDoesNotCountItselfForTheEntriesAboveIt() {
        followerWithAHoleBelowDurableEntries();
        g.crash(1);
        g.campaign(2);
        g.deliver(ScriptedGroup.any());
        assertThat(g.node(2).role()).isEqualTo(Role.LEADER);
        ProposeResult w = g.propose(2, 30, 1, new byte[] {3});
        g.deliver(ScriptedGroup.any());
        boolean acknowledged = g.node(2).committedAs(w.index(), w.term());
        // Node 2 crashes with x still in flight: its restart drops everything above the hole, so
        // only node 3 holds w. Node 2 then votes for node 1, which lacks w.
        g.crash(2);
        g.crash(3);
        g.restart(1);
        g.restart(2);
        g.campaign(1);
        g.deliver(ScriptedGroup.any());
        g.campaign(1);
        g.deliver(ScriptedGroup.any());
        assertThat(g.node(1).role()).isEqualTo(Role.LEADER);
        g.propose(1, 40, 1, new byte[] {4});
        g.deliver(ScriptedGroup.any());
        assertThat(g.node(1).commitPrefix()).isGreaterThanOrEqualTo(w.index());
        if (acknowledged) {
            assertThat(g.node(1).entry(w.index()).originTerm()).as("write %s acknowledged at node 2, then lost", w)
                    .isEqualTo(w.term());
        }
    }

    @Test
    void aRestartThatDropsEntriesAboveAHoleTruncatesThemOnDisk() {
        followerWithAHoleBelowDurableEntries();
        g.crash(2);
        g.down.remove(2);
        g.nodes.put(2, new RaftNode(g.configs.get(2), g.hard.get(2), new java.util.ArrayList<>(g.disks.get(2).values())));
        RaftNode restarted = g.node(2);
        assertThat(restarted.lastIndex()).isEqualTo(x - 1);
        Ready first = g.take(2);
        assertThat(first.truncateAfter()).as("the first Ready drops what lies above the hole").isEqualTo(x - 1);
        g.land(2, first);
        assertThat(g.disks.get(2).lastKey()).isEqualTo(x - 1);
    }
}
