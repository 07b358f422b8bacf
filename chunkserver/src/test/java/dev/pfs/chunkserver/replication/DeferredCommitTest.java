package dev.pfs.chunkserver.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.cli.ChunkServerDaemon;
import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.parallelraft.Entry;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader's hard state that moves only its commit prefix rides with the group's next frame
 * instead of taking a replication-log write of its own (CommitDeferral): one write at a
 * time costs the leader one frame, not two, and every write it acknowledged survives a restart
 * of all servers that lands before the deferred commit prefix was logged (its log shows that it
 * did: the logged commit prefix below the last entry).
 */
@Timeout(180)
class DeferredCommitTest {
    private static final int WRITES = 200;
    private static final long EPOCH = 1;
    /** Tries at writing and restarting until the leader stopped inside the deferral window. */
    private static final int TRIES = 8;
    private static final int BLOCKS = 64;

    @TempDir
    Path dir;

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
                VolumeException.await(v.write(0, block(0, 0), EPOCH, true));
                int leader = leader(servers);
                long before = servers.counter(leader, "log_writes");
                for (int i = 0; i < WRITES; i++) {
                    VolumeException.await(v.write(4096L * (i % 256), block(0, i), EPOCH, true));
                }
                long frames = servers.counter(leader, "log_writes") - before;
                // One frame per write, plus a few that ticks (every 50 ms) and heartbeats add; a
                // commit-only hard state logged on its own made it two per write.
                assertThat(frames).as("leader %d's log frames for %d writes one at a time", leader, WRITES)
                        .isLessThanOrEqualTo(WRITES + WRITES / 4);
            }
        }
    }

    /** Block {@code i} of try {@code round}: its own content in every try. */
    private static ByteBuffer block(int round, int i) {
        ByteBuffer b = ByteBuffer.allocate(4096);
        while (b.hasRemaining()) {
            b.putInt(round).putInt(i);
        }
        return b.flip();
    }

    /** @return what server {@code id}'s replication log holds of its only group (the server is stopped) */
    private static ReplicationLog.Recovered logged(LocalServers servers, int id) throws Exception {
        Map<Long, ReplicationLog.Recovered> groups = new LinkedHashMap<>();
        Path log = servers.dataDir(id).resolve(ChunkServerDaemon.REPLICATION_LOG);
        try (FileVolume file = FileVolume.open(log, false, FileVolume.CALLER_THREAD)) {
            ReplicationLog.recover(file, groups);
        }
        assertThat(groups).as("groups in server %d's log", id).hasSize(1);
        return groups.values().iterator().next();
    }

    @Test
    void acknowledgedWritesSurviveARestartBeforeTheCommitPrefixIsLogged() throws Exception {
        try (LocalServers servers = new LocalServers(dir, 3, 32L << 20)) {
            servers.startAll();
            Placement p = servers.placement("restart", 22, LocalServers.CHUNK);
            int round = -1;
            boolean trailed = false;
            while (!trailed && ++round < TRIES) {
                int leader;
                try (ReplicatedVolume v = round == 0
                        ? ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))
                        : ReplicatedVolume.open(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
                    for (int i = 0; i < BLOCKS; i++) {
                        VolumeException.await(v.write(4096L * i, block(round, i), EPOCH, true));
                    }
                    leader = leader(servers);
                    // The leader first and at once, before a tick (every 50 ms) logs its last
                    // commit prefix; the other two after it.
                    servers.stop(leader);
                }
                servers.close();
                ReplicationLog.Recovered r = logged(servers, leader);
                long last = r.entries().stream().mapToLong(Entry::index).max().orElse(r.hard().compactIndex());
                trailed = r.hard().commit() < last;
                servers.startAll();
            }
            assertThat(trailed).as("in one of %d tries the leader stopped with its logged commit prefix below its"
                    + " last acknowledged entry", TRIES).isTrue();
            // The restarted group recovers the smaller commit prefix and commits the entries again.
            try (ReplicatedVolume v = ReplicatedVolume.open(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
                for (int i = 0; i < BLOCKS; i++) {
                    ByteBuffer dst = ByteBuffer.allocate(4096);
                    VolumeException.await(v.read(4096L * i, dst));
                    assertThat(dst.array()).as("block %d of try %d after the restart", i, round)
                            .isEqualTo(block(round, i).array());
                }
            }
        }
    }
}
