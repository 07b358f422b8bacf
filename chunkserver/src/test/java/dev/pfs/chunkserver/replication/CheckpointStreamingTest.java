package dev.pfs.chunkserver.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicaCompare;
import dev.pfs.chunkserver.client.ReplicaMembership;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.common.volume.VolumeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica that needs entries its leader pruned catches up through a checkpoint streamed from
 * the leader's store: three servers in this JVM, one wiped (its data directory deleted and
 * formatted afresh, same server id) or down while the others fill and reclaim a small
 * replication log; afterwards the replicas are equal and everything written reads back, also
 * with another server down (so the caught-up replica is in every majority).
 */
@Timeout(300)
class CheckpointStreamingTest {
    private static final long LOG = 16L << 20;
    private static final int PIECE = 128 << 10;

    @TempDir
    Path dir;
    private LocalServers servers;

    private Placement startAll() throws Exception {
        servers = new LocalServers(dir, 3, LOG);
        servers.startAll();
        return servers.placement("ckpt", 11, 2 * LocalServers.CHUNK);
    }

    @AfterEach
    void stopAll() {
        if (servers != null) {
            servers.close();
        }
    }

    private static void write(ReplicatedVolume v, int from, int count, byte[] model) throws VolumeException {
        for (int i = from; i < from + count; i++) {
            int at = (int) ((long) i * PIECE % model.length);
            byte[] b = new byte[PIECE];
            Arrays.fill(b, (byte) (i % 251 + 1));
            VolumeException.await(v.write(at, ByteBuffer.wrap(b), 0, true));
            System.arraycopy(b, 0, model, at, PIECE);
        }
    }

    private static List<String> differences(ReplicatedVolume v, byte[] model) throws VolumeException {
        ByteBuffer dst = ByteBuffer.allocate(model.length);
        VolumeException.await(v.read(0, dst));
        List<String> out = new ArrayList<>();
        for (int at = 0; at < model.length; at += PIECE) {
            if (!Arrays.equals(dst.array(), at, at + PIECE, model, at, at + PIECE)) {
                out.add(at / PIECE + ": " + dst.array()[at] + "/" + model[at]);
            }
        }
        return out;
    }

    private static void delete(Path p) throws IOException {
        try (Stream<Path> all = Files.walk(p)) {
            for (Path f : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    /** After the others and replication settled, server {@code id} holds what they hold, read through it too. */
    private void assertCaughtUp(Placement p, int id, byte[] model) throws Exception {
        assertThat(ReplicaCompare.differences(p, Duration.ofSeconds(60))).as("replicas equal").isEmpty();
        int other = id == 1 ? 2 : 1;
        servers.stop(other);
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
            assertThat(differences(v, model)).as("read back with server %d down", other).isEmpty();
        }
    }

    @Test
    void aWipedReplicaRejoinsItsGroupsFromACheckpoint() throws Exception {
        Placement p = startAll();
        byte[] model = new byte[(int) (2 * LocalServers.CHUNK)];
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
            write(v, 0, 48, model);
            // Every member's checkpoint passes the writes and the logs prune behind them.
            servers.awaitCounter("log_pruned", 2, Duration.ofSeconds(60));
            servers.stop(3);
            delete(servers.dataDir(3));
            servers.start(3);
            // The wiped server comes back as a new member of each group: removed, then added.
            ReplicaMembership.rejoin(p, 3, Duration.ofSeconds(30));
            write(v, 48, 24, model);
            assertThat(differences(v, model)).isEmpty();
        }
        assertCaughtUp(p, 3, model);
        assertThat(servers.counter(3, "checkpoints_installed")).as("groups caught up by a checkpoint").isEqualTo(2);
    }

    @Test
    void aMemberDownWhileTheLogFillsDoesNotHoldItAndCatchesUpFromACheckpoint() throws Exception {
        Placement p = startAll();
        byte[] model = new byte[(int) (2 * LocalServers.CHUNK)];
        int pieces = (int) (3 * LOG / PIECE);
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
            write(v, 0, 4, model);
            servers.stop(3);
            // Three times the log's size: without pruning past server 3 the log fills and refuses
            // writes until it is back. Until server 3 has been silent for a while, a write may
            // still find the log full: it is tried again, within a deadline.
            long end = System.nanoTime() + 120_000_000_000L;
            for (int i = 4; i < 4 + pieces; ) {
                try {
                    write(v, i, 1, model);
                    i++;
                } catch (VolumeException e) {
                    assertThat(e.kind()).isEqualTo(VolumeException.Kind.NO_SPACE);
                    assertThat(System.nanoTime()).as("writes go on with server 3 down (%s)", e.getMessage())
                            .isLessThan(end);
                    Thread.sleep(100);
                }
            }
            servers.start(3);
            write(v, 4 + pieces, 8, model);
            assertThat(differences(v, model)).isEmpty();
        }
        assertCaughtUp(p, 3, model);
        assertThat(servers.counter(3, "checkpoints_installed")).as("groups caught up by a checkpoint").isPositive();
    }
}
