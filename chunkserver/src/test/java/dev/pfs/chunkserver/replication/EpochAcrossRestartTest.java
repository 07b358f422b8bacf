package dev.pfs.chunkserver.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.chunkserver.cli.ChunkServerConfig;
import dev.pfs.chunkserver.cli.ChunkServerDaemon;
import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.chunkserver.disk.DataDir;
import dev.pfs.common.volume.VolumeException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
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
    private static final long CHUNK = 1 << 20;

    @TempDir
    Path dir;
    private final ChunkServerDaemon[] servers = new ChunkServerDaemon[3];
    private final Map<Integer, InetSocketAddress> addresses = new LinkedHashMap<>();

    private void start(int id) throws Exception {
        ChunkServerConfig cfg = new ChunkServerConfig(dir.resolve("cs" + id), null,
                new InetSocketAddress("127.0.0.1", addresses.get(id).getPort()), null, CHUNK,
                new DataDir.Layout(64L << 20, 16L << 20, 64), "pfs", (long) id, 1, 32L << 20);
        servers[id - 1] = ChunkServerDaemon.start(cfg);
    }

    @AfterEach
    void stopAll() {
        for (int i = 0; i < servers.length; i++) {
            if (servers[i] != null) {
                servers[i].close();
                servers[i] = null;
            }
        }
    }

    private void awaitPruned() throws InterruptedException {
        long end = System.nanoTime() + 60_000_000_000L;
        for (ChunkServerDaemon s : servers) {
            while (s.replication().counters().get("log_pruned") < 1) {
                assertThat(System.nanoTime()).as("the logs prune behind the writes").isLessThan(end);
                Thread.sleep(20);
            }
        }
    }

    @Test
    void aFencedGroupRefusesTheOldEpochAfterARestart() throws Exception {
        for (int id = 1; id <= 3; id++) {
            addresses.put(id, InetSocketAddress.createUnresolved("127.0.0.1", ReplicationLoopbackTest.freePort()));
            start(id);
        }
        Placement p = Placement.spread("epoch", 13, CHUNK, CHUNK, addresses, 3);
        ByteBuffer sector = ByteBuffer.allocate(4096);
        try (ReplicatedVolume v = ReplicatedVolume.open(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
            VolumeException.await(v.write(0, sector.duplicate(), 3, true));
            VolumeException.await(v.fence(5));
            for (int i = 0; i < 16; i++) {
                VolumeException.await(v.write(4096L * i, sector.duplicate(), 5, true));
            }
            awaitPruned();
        }
        stopAll();
        for (int id = 1; id <= 3; id++) {
            start(id);
        }
        try (ReplicatedVolume v = ReplicatedVolume.open(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
            assertThatThrownBy(() -> VolumeException.await(v.write(0, sector.duplicate(), 3, true)))
                    .as("a write at epoch 3 after the group was fenced at 5 and restarted")
                    .isInstanceOfSatisfying(VolumeException.class,
                            e -> assertThat(e.kind()).isEqualTo(VolumeException.Kind.STALE_EPOCH));
            VolumeException.await(v.write(0, sector.duplicate(), 5, true));
        }
    }
}
