package dev.pfs.chunkserver.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.client.ChunkClient;
import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicaCompare;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Servers that come back at other addresses (a host renumbered, a restart on other ports) serve
 * their volume again once a placement naming the new addresses opens it, and keep the addresses
 * they proved across the next restart. Here servers 2 and 3 swap ports, so the old address a
 * server holds for one peer now reaches the other: a link dialed there must not be taken as the
 * link to the peer it was meant for.
 *
 * <p>Before the fix the servers kept the first address they learned for a peer for good, and took
 * whoever answered there for that peer: after the move no group had a leader, and every request
 * failed after its deadline with "no leader with a quorum answered".
 */
@Tag("system")
class ReplicatedRelocationTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final long CHUNK = ReplicatedCluster.CHUNK;

    /** Kept when the test fails: the servers' logs are there ({@code csN.log} beside each data directory). */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void serversThatMovedServeTheirVolumeAgainAndKeepTheNewAddresses() throws Exception {
        try (ReplicatedCluster cluster = new ReplicatedCluster(dir)) {
            Placement before = cluster.placement("moved", 9, 2 * CHUNK, CHUNK);
            try (ReplicatedVolume v = ReplicatedVolume.create(before, DEADLINE, Duration.ofSeconds(1))) {
                write(v, 0, 1);
                write(v, CHUNK + 8192, 2);
            }
            restartAll(cluster, () -> cluster.swapAddresses(2, 3));
            Placement after = cluster.placement("moved", 9, 2 * CHUNK, CHUNK);
            try (ReplicatedVolume v = ReplicatedVolume.open(after, DEADLINE, Duration.ofSeconds(1))) {
                assertThat(read(v, 0)).as("chunk 0 after the move (servers' logs in " + dir + ")")
                        .isEqualTo(pattern(1));
                assertThat(read(v, CHUNK + 8192)).as("chunk 1 after the move").isEqualTo(pattern(2));
                write(v, 4096, 3);
                write(v, CHUNK, 4);
                assertThat(read(v, 4096)).isEqualTo(pattern(3));
            }
            // Every replica took the writes made after the move: every pair of servers talks again.
            assertThat(ReplicaCompare.differences(after, Duration.ofSeconds(20))).isEmpty();

            restartAll(cluster, () -> { });
            for (int chunk = 0; chunk < after.chunks(); chunk++) {
                awaitServed(cluster, after.chunkId(chunk));
            }
        }
    }

    /** Stops every server (kill -9), runs {@code between}, and starts them all again. */
    private static void restartAll(ReplicatedCluster cluster, Runnable between) throws Exception {
        for (int id = 1; id <= 3; id++) {
            cluster.kill(id);
        }
        between.run();
        for (int id = 1; id <= 3; id++) {
            cluster.start(id);
        }
    }

    /**
     * Waits until one of the servers serves a read of {@code chunkId} as its group's leader, with
     * no client having opened the volume since the restart: the servers reached each other at the
     * addresses they logged.
     */
    private void awaitServed(ReplicatedCluster cluster, long chunkId) throws Exception {
        long end = System.nanoTime() + DEADLINE.toNanos();
        String last = "no answer";
        while (System.nanoTime() < end) {
            for (int id = 1; id <= 3; id++) {
                try (ChunkClient c = ChunkClient.connect(cluster.address(id), Duration.ofSeconds(2))) {
                    c.replicatedRead(chunkId, 0, ByteBuffer.allocate(512)).get(2, TimeUnit.SECONDS);
                    return;
                } catch (ExecutionException e) {
                    last = "server " + id + ": " + e.getCause().getMessage();
                } catch (TimeoutException e) {
                    last = "server " + id + ": no answer within 2 s";
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no server led chunk " + chunkId + " within " + DEADLINE.toSeconds()
                + " s of a restart at the moved addresses (last: " + last + "; servers' logs in " + dir + ")");
    }

    private static void write(ReplicatedVolume v, long offset, int seed) throws VolumeException {
        VolumeException.await(v.write(offset, ByteBuffer.wrap(pattern(seed)), 1, true));
    }

    private static byte[] read(ReplicatedVolume v, long offset) throws VolumeException {
        ByteBuffer b = ByteBuffer.allocate(4096);
        VolumeException.await(v.read(offset, b));
        return b.array();
    }

    private static byte[] pattern(int seed) {
        byte[] b = new byte[4096];
        Arrays.fill(b, (byte) (seed * 37 + 1));
        return b;
    }
}
