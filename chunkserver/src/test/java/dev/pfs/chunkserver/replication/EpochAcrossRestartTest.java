package dev.pfs.chunkserver.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A volume's writer epoch outlives the entries that raised it: once the FENCE entry is pruned
 * behind a checkpoint, a restart (which replays only the entries above each group's compaction
 * point) must still refuse the deposed writer's epoch. Before the epoch was logged on its own, a
 * restarted group accepted a write at an older epoch than one it had been fenced at.
 */
@Timeout(180)
class EpochAcrossRestartTest {
    @TempDir
    Path dir;
    private LocalServers servers;

    @BeforeEach
    void start() throws Exception {
        servers = new LocalServers(dir, 3, 32L << 20);
        servers.startAll();
    }

    @AfterEach
    void stop() {
        servers.close();
    }

    @Test
    void aFencedGroupRefusesTheOldEpochAfterARestart() throws Exception {
        Placement p = servers.placement("epoch", 13, LocalServers.CHUNK);
        ByteBuffer sector = ByteBuffer.allocate(4096);
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
            VolumeException.await(v.write(0, sector.duplicate(), 3, true));
            VolumeException.await(v.fence(5));
            for (int i = 0; i < 16; i++) {
                VolumeException.await(v.write(4096L * i, sector.duplicate(), 5, true));
            }
            // Every server's log pruned behind the FENCE entry.
            servers.awaitCounter("log_pruned", 1, Duration.ofSeconds(60));
        }
        servers.close();
        servers.startAll();
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
            assertThatThrownBy(() -> VolumeException.await(v.write(0, sector.duplicate(), 3, true)))
                    .as("a write at epoch 3 after the group was fenced at 5 and restarted")
                    .isInstanceOfSatisfying(VolumeException.class,
                            e -> assertThat(e.kind()).isEqualTo(VolumeException.Kind.STALE_EPOCH));
            VolumeException.await(v.write(0, sector.duplicate(), 5, true));
        }
    }
}
