package dev.pfs.chunkserver.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.parallelraft.LbaRange;
import dev.pfs.parallelraft.RaftNode;
import dev.pfs.parallelraft.Ready;
import dev.pfs.parallelraft.Role;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Replication applies writes in place, unlogged in the store, so its log is the only durable
 * copy of them until the store's next checkpoint: a group's checkpoint (behind which its log is
 * pruned) must wait for the store write and then for a store checkpoint covering the in-place
 * writes issued by then. Pruning earlier loses an acknowledged write to a power cut.
 */
class InPlaceCheckpointGateTest {
    private static void settle(RaftNode node) {
        for (int i = 0; i < 10; i++) {
            Ready rd = node.ready();
            if (rd.isEmpty()) {
                return;
            }
            node.advance(rd);
        }
    }

    @Test
    void aGroupCheckpointsOnlyWhatAStoreCheckpointCovers() {
        GroupSpec spec = new GroupSpec(7, 1 << 20, Map.of(1, InetSocketAddress.createUnresolved("127.0.0.1", 1)));
        RaftNode node = new RaftNode(RaftSettings.config(1, spec));
        ReplicaGroup g = new ReplicaGroup(spec, node, 1);
        node.campaign();
        settle(node);
        assertThat(node.role()).isEqualTo(Role.LEADER);
        node.propose(List.of(new LbaRange(0, 8)), new byte[4096]);
        settle(node);
        long applied = node.appliedPrefix();
        assertThat(applied).as("the write is applied").isGreaterThan(0);

        CompletableFuture<Void> storeWrite = new CompletableFuture<>();
        AtomicLong inPlaceIssued = new AtomicLong(41);
        g.applied(List.of(storeWrite), inPlaceIssued::get);
        assertThat(g.checkpoint(1_000)).as("the store write is still on its way").isFalse();
        assertThat(g.awaitsStoreCheckpoint(1_000)).isFalse();

        inPlaceIssued.set(42);
        storeWrite.complete(null);
        assertThat(g.awaitsStoreCheckpoint(41)).as("written, not yet durable in the store").isTrue();
        assertThat(g.checkpoint(41)).as("a store checkpoint covering 41 in-place writes misses the 42nd").isFalse();
        assertThat(g.applying()).isTrue();

        assertThat(g.checkpoint(42)).as("the store checkpoint covers it").isTrue();
        assertThat(g.applying()).isFalse();
    }
}
