package dev.pfs.chunkserver.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicaCompare;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leaders spread over the servers: a chunk's leadership goes back to its preferred leader (the
 * placement's first replica) once that server is up again, while writes go on. Without the hand
 * back, the server that took over after a kill -9 would lead the chunk for good, and after a
 * few restarts one server would lead every chunk.
 */
@Tag("system")
class LeaderHandBackTest {
    /** Generous: a hand-back is tried once a second, the restarted server first catches up. */
    private static final long PATIENCE_NANOS = 90_000_000_000L;

    /** Kept when the test fails: the servers' logs are there ({@code csN.log} beside each data directory). */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void aRestartedPreferredLeaderGetsItsChunkBack() throws Exception {
        try (ReplicatedCluster cluster = new ReplicatedCluster(dir)) {
            Placement placement = cluster.placement("handback", 7, ReplicatedCluster.CHUNK, ReplicatedCluster.CHUNK);
            int preferred = 1;
            try (ReplicatedVolume v = ReplicatedVolume.create(placement, Duration.ofSeconds(30), Duration.ofSeconds(1))) {
                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong written = new AtomicLong();
                AtomicReference<Throwable> failed = new AtomicReference<>();
                Thread writer = Thread.ofPlatform().name("writer").start(() -> {
                    ByteBuffer b = ByteBuffer.allocate(4096);
                    for (long i = 0; !stop.get(); i++) {
                        b.clear().putLong(0, i);
                        try {
                            VolumeException.await(v.write(i % 64 * 4096, b, 1, true));
                            written.incrementAndGet();
                        } catch (VolumeException e) {
                            failed.set(e);
                            return;
                        }
                    }
                });
                try {
                    awaitLeader(v, l -> l == preferred, written, failed, "the preferred leader to lead at first");
                    cluster.kill(preferred);
                    awaitLeader(v, l -> l != 0 && l != preferred, written, failed, "another server to take over");
                    cluster.start(preferred);
                    awaitLeader(v, l -> l == preferred, written, failed, "the restarted preferred leader to lead again"
                            + " (servers' logs in " + dir + ")");
                } finally {
                    stop.set(true);
                    writer.join();
                }
                assertThat(failed.get()).as("writes during the hand-backs").isNull();
            }
            assertThat(ReplicaCompare.differences(placement, Duration.ofSeconds(20))).isEmpty();
        }
    }

    /** Waits, with writes going on, until the client's leader of chunk 0 satisfies {@code wanted}. */
    private static void awaitLeader(ReplicatedVolume v, IntPredicate wanted, AtomicLong written,
                                    AtomicReference<Throwable> failed, String what) throws InterruptedException {
        long end = System.nanoTime() + PATIENCE_NANOS;
        long from = written.get();
        // A leader the client learnt before this wait may be stale: some writes must go through first.
        while (!(written.get() > from + 20 && wanted.test(v.leaderOf(0)))) {
            assertThat(failed.get()).as("a write failed while waiting for " + what).isNull();
            assertThat(System.nanoTime()).as("waited for " + what + "; the client's leader is " + v.leaderOf(0))
                    .isLessThan(end);
            Thread.sleep(50);
        }
    }
}
