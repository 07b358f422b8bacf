package dev.pfs.chunkserver.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
            long chunk = p.chunkId(0);
            try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
                VolumeException.await(v.write(0, ByteBuffer.allocate(4096), EPOCH, true));
                try (ChunkClient c = ChunkClient.connect(servers.addresses.get(v.leaderOf(0)), Duration.ofSeconds(10))) {
                    c.replicatedWrite(chunk, EPOCH, 5, 0, ByteBuffer.allocate(4096)).get();
                }
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
                try (ChunkClient c = ChunkClient.connect(servers.addresses.get(v.leaderOf(0)), Duration.ofSeconds(10))) {
                    assertThatThrownBy(() -> c.replicatedWrite(chunk, EPOCH, 4, 0, ByteBuffer.allocate(4096)).get())
                            .as("a try at generation 4 after the restart").isInstanceOf(ExecutionException.class)
                            .cause().isInstanceOfSatisfying(ChunkException.class, e -> {
                                assertThat(e.status()).isEqualTo(ChunkStatus.STALE_TRY);
                                assertThat(e.generation()).isEqualTo(5);
                            });
                    c.replicatedWrite(chunk, EPOCH, 5, 0, ByteBuffer.allocate(4096)).get();
                }
            }
        }
    }
}
