package dev.pfs.chunkserver.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicaCompare;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three chunkserver processes on loopback hold a replicated volume of two chunks. A writer does
 * FUA writes over overlapping ranges through {@link ReplicatedVolume}, one at a time, recording
 * every acknowledgement, while a seeded schedule kill -9s the leader of a chunk and a follower
 * and restarts them (per round: a leader, a follower, then either; each kill either under load or
 * right after an acknowledgement with the writer paused, checked at once). After each
 * restart and at the end every sector reads back with the last acknowledged write to it (or a
 * later write whose outcome the writer never learned), and at the end every chunk's replicas are
 * equal. {@code -Dpfs.repl.rounds=N} runs more rounds, {@code -Dpfs.seed=S} replays one.
 */
@Tag("system")
class ReplicatedCrashTest {
    private static final long CHUNK = ReplicatedCluster.CHUNK;
    private static final int SECTOR = 512;
    private static final int SECTORS = (int) (2 * CHUNK / SECTOR);

    @TempDir
    Path dir;

    @Test
    void noAcknowledgedWriteIsLostAcrossKillsOfLeadersAndFollowers() throws Exception {
        int rounds = Integer.getInteger("pfs.repl.rounds", 2);
        long base = Long.getLong("pfs.seed", System.nanoTime());
        for (int r = 0; r < rounds; r++) {
            long seed = base + r;
            List<String> schedule = new ArrayList<>();
            try {
                round(seed, dir.resolve("round" + r), schedule);
            } catch (Throwable t) {
                throw new AssertionError("round failed: seed " + seed + " (replay with -Dpfs.seed=" + seed
                        + " -Dpfs.repl.rounds=1), schedule " + schedule + ": " + t, t);
            }
        }
    }

    /** What the writer learned: per sector the last acknowledged write, and writes after it with no answer. */
    private static final class Model {
        final long[] acked = new long[SECTORS];
        final List<Set<Long>> unsure = new ArrayList<>();
        long acks;
        long longestGapNanos;
        long lastAck = System.nanoTime();
        /** Held by the writer around each write; the checker takes it to stop writes (fair: it gets its turn). */
        final ReentrantLock gate = new ReentrantLock(true);

        Model() {
            for (int i = 0; i < SECTORS; i++) {
                unsure.add(new HashSet<>());
            }
        }

        synchronized void acknowledged(long id, int first, int count) {
            for (int s = first; s < first + count; s++) {
                acked[s] = id;
                unsure.get(s).clear();
            }
            acks++;
            long now = System.nanoTime();
            longestGapNanos = Math.max(longestGapNanos, now - lastAck);
            lastAck = now;
        }

        synchronized void failed(long id, int first, int count) {
            for (int s = first; s < first + count; s++) {
                unsure.get(s).add(id);
            }
        }

        synchronized long acks() {
            return acks;
        }
    }

    private void round(long seed, Path root, List<String> schedule) throws Exception {
        Random rnd = new Random(seed);
        try (ReplicatedCluster cluster = new ReplicatedCluster(root)) {
            Placement placement = cluster.placement();
            Model model = new Model();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong nextId = new AtomicLong(1);
            try (ReplicatedVolume v = ReplicatedVolume.create(placement, Duration.ofSeconds(20), Duration.ofSeconds(1))) {
                Thread writer = Thread.ofPlatform().name("writer").start(() -> write(v, new Random(seed * 31),
                        model, nextId, stop));
                for (int step = 0; step < 3; step++) {
                    awaitProgress(model, 20);
                    boolean leader = step == 0 || (step == 2 && rnd.nextBoolean());
                    int chunk = rnd.nextInt(2);
                    int known = v.leaderOf(chunk);
                    int victim = leader && known != 0 ? known
                            : placement.replicas().get(chunk).get(rnd.nextInt(3));
                    if (!leader && victim == known) {
                        victim = victim % 3 + 1;
                    }
                    long downMillis = 300 + rnd.nextInt(1200);
                    schedule.add("kill -9 server " + victim + (victim == known ? " (leader of chunk " + chunk + ")"
                            : " (a follower of chunk " + chunk + ")") + ", down " + downMillis + " ms");
                    boolean quiet = rnd.nextBoolean();
                    if (quiet) {
                        // Right after an acknowledgement, with nothing in flight: the write just
                        // acknowledged must survive the kill and read back at the new leader.
                        schedule.add("(writer paused, checked at once)");
                        model.gate.lock();
                        try {
                            cluster.kill(victim);
                            check(v, model);
                        } finally {
                            model.gate.unlock();
                        }
                    } else {
                        cluster.kill(victim);
                    }
                    awaitProgress(model, 10);
                    Thread.sleep(downMillis);
                    cluster.start(victim);
                    awaitProgress(model, 10);
                    model.gate.lock();
                    try {
                        check(v, model);
                    } finally {
                        model.gate.unlock();
                    }
                }
                awaitProgress(model, 20);
                stop.set(true);
                writer.join();
                check(v, model);
                System.out.printf("replicated crash round seed=%d acks=%d longest_gap_ms=%d schedule=%s%n", seed,
                        model.acks(), model.longestGapNanos / 1_000_000, schedule);
            }
            assertThat(ReplicaCompare.differences(placement, Duration.ofSeconds(20))).isEmpty();
        }
    }

    /** Waits until the writer got {@code n} more acknowledgements: I/O resumes by itself. */
    private static void awaitProgress(Model model, int n) throws InterruptedException {
        long target = model.acks() + n;
        long end = System.nanoTime() + 60_000_000_000L;
        while (model.acks() < target) {
            if (System.nanoTime() > end) {
                throw new AssertionError("no progress: " + model.acks() + " acknowledgements, waited for " + target);
            }
            Thread.sleep(20);
        }
    }

    private static void write(ReplicatedVolume v, Random rnd, Model model, AtomicLong nextId, AtomicBoolean stop) {
        while (!stop.get()) {
            long id = nextId.getAndIncrement();
            int count = 1 + rnd.nextInt(24);
            int first = rnd.nextInt(SECTORS - count);
            ByteBuffer b = ByteBuffer.allocate(count * SECTOR).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining()) {
                b.putLong(id);
            }
            model.gate.lock();
            try {
                VolumeException.await(v.write((long) first * SECTOR, b.flip(), 1, true));
                model.acknowledged(id, first, count);
            } catch (VolumeException e) {
                model.failed(id, first, count);
            } finally {
                model.gate.unlock();
            }
        }
    }

    private static void check(ReplicatedVolume v, Model model) throws VolumeException {
        ByteBuffer all = ByteBuffer.allocate(SECTORS * SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        VolumeException.await(v.read(0, all));
        List<String> wrong = new ArrayList<>();
        synchronized (model) {
            for (int s = 0; s < SECTORS; s++) {
                long got = all.getLong(s * SECTOR);
                for (int i = 8; i < SECTOR; i += 8) {
                    if (all.getLong(s * SECTOR + i) != got) {
                        wrong.add("sector " + s + " is torn");
                        break;
                    }
                }
                if (got != model.acked[s] && !model.unsure.get(s).contains(got)) {
                    wrong.add("sector " + s + " holds write " + got + ", last acknowledged " + model.acked[s]
                            + ", unanswered since " + model.unsure.get(s));
                }
            }
        }
        assertThat(wrong).as("sectors that lost an acknowledged write").isEmpty();
    }
}
