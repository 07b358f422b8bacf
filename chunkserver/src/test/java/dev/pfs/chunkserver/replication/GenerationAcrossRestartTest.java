package dev.pfs.chunkserver.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.client.ChunkClient;
import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group's try generation outlives the entries that raised it, as its writer epoch does: once
 * they are pruned behind a checkpoint and every server restarted twice (the first recovery reads
 * the pruned entries still in the log, then rewrites it without them), the group's leader still
 * refuses a try older than the newest it logged (STALE_TRY, naming that generation) and takes one
 * at it. A volume whose own generation is behind the group's (another client raised it) takes up
 * the group's and its writes go through.
 */
@Timeout(180)
class GenerationAcrossRestartTest {
    private static final long EPOCH = 1;

    @TempDir
    Path dir;

    @Test
    void aGroupRefusesOlderTriesAfterItsEntriesArePrunedAndItRestarts() throws Exception {
        try (LocalServers servers = new LocalServers(dir, 3, 32L << 20)) {
            servers.startAll();
            Placement p = servers.placement("generation", 17, LocalServers.CHUNK);
            try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
                VolumeException.await(v.write(0, ByteBuffer.allocate(4096), EPOCH, true));
                assertThat(atLeader(servers, p, 5)).as("a write at generation 5").isNull();
                // This volume's generation is 0: refused, it takes up the group's 5.
                for (int i = 0; i < 16; i++) {
                    VolumeException.await(v.write(4096L * i, ByteBuffer.allocate(4096), EPOCH, true));
                }
                // Then only FENCE entries (they carry no generation) until every write is pruned.
                long pruned = servers.counter(1, "log_pruned");
                for (int round = 0; round < 2; round++) {
                    for (int i = 0; i < 16; i++) {
                        VolumeException.await(v.fence(EPOCH));
                    }
                    servers.awaitCounter("log_pruned", pruned + round + 1, Duration.ofSeconds(60));
                }
            }
            // Twice: the first recovery still reads the pruned entries and rewrites the log without them.
            for (int restart = 0; restart < 2; restart++) {
                servers.close();
                servers.startAll();
            }
            try (ReplicatedVolume v = ReplicatedVolume.open(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
                VolumeException.await(v.write(0, ByteBuffer.allocate(4096), EPOCH, true));
            }
            assertThat(atLeader(servers, p, 4)).as("a try at generation 4 after the restarts")
                    .isNotNull().satisfies(e -> {
                        assertThat(e.status()).isEqualTo(ChunkStatus.STALE_TRY);
                        assertThat(e.generation()).isEqualTo(5);
                    });
            assertThat(atLeader(servers, p, 5)).as("a try at generation 5 after the restarts").isNull();
        }
    }

    /**
     * Writes a sector at generation {@code generation} at chunk 0's leader, asking each server in
     * turn until one does not answer NOT_LEADER (an election may be under way: for up to 30 s).
     *
     * @return null if the write went through, else the leader's refusal
     */
    private static ChunkException atLeader(LocalServers servers, Placement p, long generation) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            for (int id : p.replicas().get(0)) {
                try (ChunkClient c = ChunkClient.connect(servers.addresses.get(id), Duration.ofSeconds(10))) {
                    c.replicatedWrite(p.chunkId(0), EPOCH, generation, 0, ByteBuffer.allocate(4096)).get();
                    return null;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof ChunkException ce)) {
                        throw e;
                    }
                    if (ce.status() != ChunkStatus.NOT_LEADER) {
                        return ce;
                    }
                }
            }
            assertThat(System.nanoTime()).as("a leader of chunk 0 answers").isLessThan(end);
            Thread.sleep(100);
        }
    }
}
