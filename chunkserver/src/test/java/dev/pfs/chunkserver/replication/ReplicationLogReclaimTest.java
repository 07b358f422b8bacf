package dev.pfs.chunkserver.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicaCompare;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replication log is reclaimed behind every group's checkpoint (the store holding the chunk
 * durably at the applied prefix): three servers in this JVM with a 24 MB log write several times
 * its size, restart and read everything back. (A member down no longer holds the space: see
 * {@link CheckpointStreamingTest}.)
 */
@Timeout(300)
class ReplicationLogReclaimTest {
    private static final long CHUNK = LocalServers.CHUNK;
    private static final long LOG = 24L << 20;
    private static final int PIECE = 128 << 10;

    @TempDir
    Path dir;
    private LocalServers servers;
    /** The servers' replication log size. */
    private long logBytes = LOG;

    private Placement startAll() throws Exception {
        servers = new LocalServers(dir, 3, logBytes);
        servers.startAll();
        return servers.placement("reclaim", 9, 2 * CHUNK);
    }

    @AfterEach
    void stopAll() {
        if (servers != null) {
            servers.close();
        }
    }

    /** Writes {@code count} 128 KB pieces round the volume, piece {@code i} filled with {@code i}; records them. */
    private static void write(ReplicatedVolume v, int from, int count, byte[] model) throws VolumeException {
        for (int i = from; i < from + count; i++) {
            int at = (int) ((long) i * PIECE % model.length);
            byte[] b = new byte[PIECE];
            Arrays.fill(b, (byte) (i % 251 + 1));
            VolumeException.await(v.write(at, ByteBuffer.wrap(b), 0, true));
            System.arraycopy(b, 0, model, at, PIECE);
        }
    }

    private static byte[] readAll(ReplicatedVolume v, int length) throws VolumeException {
        ByteBuffer dst = ByteBuffer.allocate(length);
        VolumeException.await(v.read(0, dst));
        return dst.array();
    }

    /** @return the 128 KB pieces whose content differs from the model, as "piece: got/wanted" */
    private static java.util.List<String> differences(byte[] got, byte[] model) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int at = 0; at < model.length; at += PIECE) {
            if (!Arrays.equals(got, at, at + PIECE, model, at, at + PIECE)) {
                out.add(at / PIECE + ": " + got[at] + "/" + model[at]);
            }
        }
        return out;
    }

    private long reclaims(int id) {
        return servers.counter(id, "log_reclaims");
    }

    @Test
    void writingSeveralTimesTheLogsSizeReclaimsItAndARestartRecovers() throws Exception {
        Placement p = startAll();
        byte[] model = new byte[(int) (2 * CHUNK)];
        int pieces = (int) (3 * LOG / PIECE);
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
            write(v, 0, pieces, model);
            assertThat(differences(readAll(v, model.length), model)).isEmpty();
        }
        for (int id = 1; id <= 3; id++) {
            assertThat(reclaims(id)).as("server %d rewrote its log", id).isPositive();
        }
        for (int id = 1; id <= 3; id++) {
            servers.stop(id);
        }
        for (int id = 1; id <= 3; id++) {
            servers.start(id);
        }
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
            assertThat(differences(readAll(v, model.length), model)).as("after a restart of all three").isEmpty();
            write(v, pieces, pieces / 2, model);
            assertThat(differences(readAll(v, model.length), model)).as("written after the restart").isEmpty();
        }
        assertThat(ReplicaCompare.differences(p, Duration.ofSeconds(10))).isEmpty();
    }

    /**
     * A large log is rewritten every {@link ReplicationLog#RECLAIM_STEP} bytes, not only once a
     * fraction of its size is used, so that a restart replays little whatever the log's size: a
     * 4 GB log was first rewritten at 1 GB, which a killed chunkserver then read back before serving.
     */
    @Test
    void aLargeLogIsRewrittenEveryReclaimStepNotAtAShareOfItsSize() throws Exception {
        logBytes = 6 * ReplicationLog.RECLAIM_STEP;
        Placement p = startAll();
        byte[] model = new byte[(int) (2 * CHUNK)];
        // Past one step, short of a quarter of the log (where the first rewrite came before).
        int pieces = (int) (ReplicationLog.RECLAIM_STEP * 5 / 4 / PIECE);
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
            write(v, 0, pieces, model);
        }
        for (int id = 1; id <= 3; id++) {
            assertThat(reclaims(id)).as("server %d rewrote its %d-byte log after %d bytes of writes", id, logBytes,
                    (long) pieces * PIECE).isPositive();
        }
        servers.stop(1);
        servers.start(1);
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
            assertThat(differences(readAll(v, model.length), model)).as("after a restart of server 1").isEmpty();
        }
    }
}
