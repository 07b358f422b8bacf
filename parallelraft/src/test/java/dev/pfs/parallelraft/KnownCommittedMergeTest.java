package dev.pfs.parallelraft;

import static dev.pfs.parallelraft.ScriptedGroup.any;
import static dev.pfs.parallelraft.ScriptedGroup.from;
import static dev.pfs.parallelraft.ScriptedGroup.link;
import static dev.pfs.parallelraft.ScriptedGroup.to;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The apply-order flaw TLC found in an earlier merge (3 terms, 2 entries, one block): a new leader
 * re-stamped an entry it already knew committed, giving it a look-behind slot from its own merge,
 * which nobody ever committed, and applied the entry on the strength of that slot.
 * <ol>
 *   <li>Term 1, leader 2: A (block 0) at index 1 reaches nobody; B (block 0) at index 2 reaches
 *       node 1 and commits; node 1 learns that 2 is committed.</li>
 *   <li>Term 2, leader 1 with node 3: the merge turns the hole at 1 into a no-op. Re-stamping B
 *       with the slot "1 = no-op" let node 1 apply B at once. The merge is never replicated.</li>
 *   <li>Term 3, leader 2 with node 3: merges A and B and commits both; node 1 then applies A after
 *       B, the others A before B: node 1's block 0 ends with A.</li>
 * </ol>
 * The merge now keeps an entry its leader knows committed as it is, and a follower never replaces
 * an entry it knows committed, so every replica applies A before B.
 */
@Timeout(30)
class KnownCommittedMergeTest {

    private static final byte[] A = {'A'};
    private static final byte[] B = {'B'};

    @Test
    void everyReplicaAppliesOverlappingWritesInIndexOrder() {
        ScriptedGroup g = new ScriptedGroup(Mode.PARALLEL, 3, c -> c);
        g.campaign(2);
        g.deliver(any());
        assertThat(g.node(2).readyToServe()).isTrue();

        assertThat(g.propose(2, 0, 1, A).index()).isEqualTo(1);
        g.drop(m -> m.type() == MessageType.APPEND);
        assertThat(g.propose(2, 0, 1, B).index()).isEqualTo(2);
        g.drop(to(3));
        g.deliver(link(2, 1).or(link(1, 2)));
        g.tick(2, 2);
        g.drop(to(3));
        g.deliver(link(2, 1).or(link(1, 2)));
        g.drop(any());
        assertThat(g.node(2).committedAs(2, 1)).as("B committed by leader 2 and node 1").isTrue();
        assertThat(g.node(1).committedAs(2, 1)).as("node 1 knows B committed").isTrue();
        assertThat(g.node(1).commitPrefix()).isZero();

        g.campaign(1);
        g.deliver(between(1, 3).and(m -> m.type() != MessageType.APPEND));
        g.drop(from(1));
        assertThat(g.node(1).role()).isEqualTo(Role.LEADER);
        assertThat(blockZero(g, 1)).as("node 1 must not apply B before index 1 is known").isEmpty();

        g.tick(2, 2);
        g.deliver(between(2, 3));
        assertThat(g.node(2).role()).as("node 3 told the old leader of term 2").isEqualTo(Role.FOLLOWER);
        g.campaign(2);
        g.deliver(between(2, 3));
        assertThat(g.node(2).role()).isEqualTo(Role.LEADER);
        assertThat(g.node(2).term()).isEqualTo(3);
        for (int round = 0; round < 6; round++) {
            g.tick(2, 2);
            g.deliver(any());
        }
        for (int id = 1; id <= 3; id++) {
            assertThat(blockZero(g, id)).as("writes applied to block 0 on node %d", id).containsExactly("A", "B");
        }
    }

    private static Predicate<Message> between(int a, int b) {
        return link(a, b).or(link(b, a));
    }

    private static List<String> blockZero(ScriptedGroup g, int id) {
        return g.applied.get(id).stream().filter(e -> e.kind() == EntryKind.WRITE)
                .map(e -> new String(e.data(), java.nio.charset.StandardCharsets.US_ASCII)).toList();
    }
}
