package dev.pfs.chunkserver.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.client.ReplicaCompare;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stall when a chunk's leader is kill -9ed under QD32: 32 writers, each doing 4 KB FUA
 * writes one after another into its own 32 KB of chunk 0, so 32 writes are in flight at its
 * leader. Prints the longest time with no write completing from the kill until 5 s after it
 * (it asserts no timing: the machine is shared), and checks that I/O resumed by itself and that
 * every writer's last acknowledged data reads back.
 */
@Tag("system")
class ReplicatedStallTest {
    private static final int WRITERS = 32;
    private static final int SECTOR = 512;
    private static final int SECTORS_EACH = 64;
    private static final int SECTORS_PER_WRITE = 8;

    @TempDir
    Path dir;

    /** Completion times, to find the longest gap after the kill. */
    private final List<Long> completions = new ArrayList<>();

    @Test
    void leaderKillUnderQd32StallsThenResumes() throws Exception {
        try (ReplicatedCluster cluster = new ReplicatedCluster(dir)) {
            try (ReplicatedVolume v = ReplicatedVolume.create(cluster.placement(), Duration.ofSeconds(30),
                    Duration.ofSeconds(1))) {
                AtomicBoolean stop = new AtomicBoolean();
                long[][] acked = new long[WRITERS][SECTORS_EACH];
                List<Thread> writers = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    int me = w;
                    writers.add(Thread.ofPlatform().name("writer-" + w).start(() -> write(v, me, acked[me], stop)));
                }
                awaitCompletions(200);
                int leader = v.leaderOf(0);
                assertThat(leader).as("chunk 0 has a known leader").isNotZero();
                long killed = System.nanoTime();
                cluster.kill(leader);
                awaitCompletions(completed() + 200);
                long window = killed + 5_000_000_000L;
                while (System.nanoTime() < window) {
                    Thread.sleep(50);
                }
                long stall = longestGap(killed, window);
                cluster.start(leader);
                awaitCompletions(completed() + 200);
                stop.set(true);
                for (Thread t : writers) {
                    t.join();
                }
                ByteBuffer all = ByteBuffer.allocate(WRITERS * SECTORS_EACH * SECTOR).order(ByteOrder.LITTLE_ENDIAN);
                VolumeException.await(v.read(0, all));
                for (int w = 0; w < WRITERS; w++) {
                    for (int s = 0; s < SECTORS_EACH; s++) {
                        long got = all.getLong((w * SECTORS_EACH + s) * SECTOR);
                        assertThat(got).as("writer %d sector %d", w, s).isEqualTo(acked[w][s]);
                    }
                }
                System.out.printf("replicated leader kill: qd=%d writes_completed=%d leader=%d "
                        + "leader_kill_stall_ms=%d%n", WRITERS, completed(), leader, stall / 1_000_000);
            }
            assertThat(ReplicaCompare.differences(cluster.placement(), Duration.ofSeconds(20))).isEmpty();
        }
    }

    private void write(ReplicatedVolume v, int me, long[] acked, AtomicBoolean stop) {
        Random rnd = new Random(me);
        long seq = 0;
        while (!stop.get()) {
            long value = ((long) me << 40) | ++seq;
            int first = rnd.nextInt(SECTORS_EACH - SECTORS_PER_WRITE + 1);
            ByteBuffer b = ByteBuffer.allocate(SECTORS_PER_WRITE * SECTOR).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining()) {
                b.putLong(value);
            }
            try {
                VolumeException.await(v.write((long) (me * SECTORS_EACH + first) * SECTOR, b.flip(), 1, true));
                for (int s = first; s < first + SECTORS_PER_WRITE; s++) {
                    acked[s] = value;
                }
                synchronized (completions) {
                    completions.add(System.nanoTime());
                }
            } catch (VolumeException e) {
                throw new AssertionError("writer " + me + ": a write failed within its 30 s deadline: " + e, e);
            }
        }
    }

    private int completed() {
        synchronized (completions) {
            return completions.size();
        }
    }

    private void awaitCompletions(int n) throws InterruptedException {
        long end = System.nanoTime() + 60_000_000_000L;
        while (completed() < n) {
            if (System.nanoTime() > end) {
                throw new AssertionError("no progress: " + completed() + " writes completed, waited for " + n);
            }
            Thread.sleep(20);
        }
    }

    /** @return the longest time in {@code [from, to]} with no write completing */
    private long longestGap(long from, long to) {
        synchronized (completions) {
            long last = from;
            long longest = 0;
            for (long t : completions) {
                if (t > from && t <= to) {
                    longest = Math.max(longest, t - last);
                    last = t;
                }
            }
            return Math.max(longest, to - last);
        }
    }
}
