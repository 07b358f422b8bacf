package dev.pfs.chunkserver.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader's hard state that moves only its commit prefix rides with the group's next frame
 * instead of taking a replication-log write of its own (CommitDeferral): one write at a
 * time costs the leader one frame, not two, and every write it acknowledged survives a restart
 * of all servers that lands before the deferred commit prefix was logged.
 */
@Timeout(180)
class DeferredCommitTest {
    private static final int WRITES = 200;
    private static final long EPOCH = 1;

    @TempDir
    Path dir;

    private static ByteBuffer block(int i) {
        byte[] b = new byte[4096];
        Arrays.fill(b, (byte) (i + 1));
        return ByteBuffer.wrap(b);
    }

    private static int leader(LocalServers servers) {
        for (int id = 1; id <= 3; id++) {
            if (servers.leading(id) > 0) {
                return id;
            }
        }
        throw new AssertionError("no server leads the group");
    }

    @Test
    void aLeaderLogsOneFramePerWriteAtQueueDepthOne() throws Exception {
        try (LocalServers servers = new LocalServers(dir, 3, 32L << 20)) {
            servers.startAll();
            Placement p = servers.placement("deferred", 21, LocalServers.CHUNK);
            try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
                VolumeException.await(v.write(0, block(0), EPOCH, true));
                int leader = leader(servers);
                long before = servers.counter(leader, "log_writes");
                for (int i = 0; i < WRITES; i++) {
                    VolumeException.await(v.write(4096L * (i % 256), block(i), EPOCH, true));
                }
                long frames = servers.counter(leader, "log_writes") - before;
                // One frame per write, plus a few that ticks (every 50 ms) and heartbeats add; a
                // commit-only hard state logged on its own made it two per write.
                assertThat(frames).as("leader %d's log frames for %d writes one at a time", leader, WRITES)
                        .isLessThanOrEqualTo(WRITES + WRITES / 4);
            }
        }
    }

    @Test
    void acknowledgedWritesSurviveARestartBeforeTheCommitPrefixIsLogged() throws Exception {
        try (LocalServers servers = new LocalServers(dir, 3, 32L << 20)) {
            servers.startAll();
            Placement p = servers.placement("restart", 22, LocalServers.CHUNK);
            try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
                for (int i = 0; i < 64; i++) {
                    VolumeException.await(v.write(4096L * i, block(i), EPOCH, true));
                }
            }
            // At once, before a tick logs the last commit prefix: the restarted group recovers a
            // smaller one and commits the acknowledged entries again.
            servers.close();
            servers.startAll();
            try (ReplicatedVolume v = ReplicatedVolume.open(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
                for (int i = 0; i < 64; i++) {
                    ByteBuffer dst = ByteBuffer.allocate(4096);
                    VolumeException.await(v.read(4096L * i, dst));
                    assertThat(dst.array()).as("block %d after the restart", i).isEqualTo(block(i).array());
                }
            }
        }
    }
}
