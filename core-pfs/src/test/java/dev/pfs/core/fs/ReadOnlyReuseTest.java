package dev.pfs.core.fs;

import static dev.pfs.core.OpenFlags.O_CREAT;
import static dev.pfs.core.OpenFlags.O_RDONLY;
import static dev.pfs.core.OpenFlags.O_RDWR;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Must-show 3 of issue 11: one RW and two RO mounts of a small volume. The RW writes, truncates
 * (freeing blocks), rewrites (reusing them for other files) and checkpoints while both RO mounts
 * read every file in a loop. Every byte a RO read returns must be one that was written to that
 * file (or zero). Each file writes only its own byte values, so a read through a reused block
 * shows another file's value. All hosts share one simulated clock that the RW's loop advances.
 *
 * <p>{@code -Dpfs.roreuse.seeds=N} runs more seeds (12 by default).
 */
class ReadOnlyReuseTest {
    private static final int FILES = 6;
    /** The RW's lease outlasts the run (no renewal thread), its reuse delay is what is under test. */
    private static final Duration LEASE = Duration.ofSeconds(10);
    private static final Duration REUSE_DELAY = Duration.ofMillis(200);
    /** RO mounts trust their map for 3/4 of their lease: less than the RW's reuse delay. */
    private static final Duration RO_LEASE = Duration.ofMillis(250);

    @TestFactory
    Stream<DynamicTest> noReadOnlyReadReturnsBytesNeverWrittenToThatFile() {
        long n = Long.getLong("pfs.roreuse.seeds", 12);
        return LongStream.range(0, n).mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed,
                () -> Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60), () -> runSeed(seed))));
    }

    private static byte value(int file, int version) {
        return (byte) (1 + file * 40 + version % 40);
    }

    private void runSeed(long seed) throws Exception {
        FaultyVolume v = FaultyVolume.create(16L << 20, seed);
        Pfs.mkfs(v, new MkfsOptions(4L << 20, 4));
        AtomicLong sim = new AtomicLong(1_000_000_000L);
        List<Set<Byte>> written = new ArrayList<>();
        for (int f = 0; f < FILES; f++) {
            Set<Byte> s = ConcurrentHashMap.newKeySet();
            s.add((byte) 0);
            written.add(s);
        }
        Random r = new Random(seed);
        try (Pfs rw = FileSystems.mount(v, new MountOptions(true, 0, LEASE, Duration.ofMillis(5)).withReuseDelay(REUSE_DELAY),
                new FileSystems.MountHooks(sim::get, false, () -> { }))) {
            for (int f = 0; f < FILES; f++) {
                rw.close(rw.open("/f" + f, O_CREAT | O_RDWR, 0644));
            }
            MountAccess.checkpoint(rw);
            MountOptions ro = new MountOptions(false, 1, RO_LEASE, Duration.ofMillis(2));
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<String> bad = new AtomicReference<>();
            AtomicInteger reads = new AtomicInteger();
            List<Thread> readers = new ArrayList<>();
            List<Pfs> roMounts = new ArrayList<>();
            for (int host = 1; host <= 2; host++) {
                Pfs m = FileSystems.mount(v, new MountOptions(false, host, ro.lease(), ro.roPollPeriod()),
                        new FileSystems.MountHooks(sim::get, true, () -> { }));
                roMounts.add(m);
                readers.add(Thread.ofPlatform().start(() -> readLoop(m, written, stop, bad, reads)));
            }
            int[] versions = new int[FILES];
            for (int step = 0; step < 150 && bad.get() == null; step++) {
                int f = r.nextInt(FILES);
                long fd = rw.open("/f" + f, O_RDWR, 0);
                try {
                    if (r.nextInt(3) == 0) {
                        rw.ftruncate(fd, r.nextInt(3) * 65536L);
                    } else {
                        byte val = value(f, ++versions[f]);
                        written.get(f).add(val);
                        byte[] data = new byte[65536 * (1 + r.nextInt(6))];
                        Arrays.fill(data, val);
                        rw.pwrite(fd, ByteBuffer.wrap(data), 65536L * r.nextInt(8));
                        rw.fsync(fd);
                    }
                } catch (PfsException e) {
                    assertThat(e.errno()).as("only a full volume may fail the RW").isEqualTo(dev.pfs.core.Errno.ENOSPC);
                } finally {
                    rw.close(fd);
                }
                if (r.nextInt(10) == 0) {
                    MountAccess.checkpoint(rw);
                }
                sim.addAndGet(REUSE_DELAY.toNanos() / 20);
                Thread.onSpinWait();
            }
            stop.set(true);
            for (Thread t : readers) {
                t.join();
            }
            for (Pfs m : roMounts) {
                m.close();
            }
            assertThat(bad.get()).as("seed %d", seed).isNull();
            assertThat(reads.get()).as("the RO mounts read something").isPositive();
        }
    }

    private static void readLoop(Pfs ro, List<Set<Byte>> written, AtomicBoolean stop, AtomicReference<String> bad,
                                 AtomicInteger reads) {
        Random r = new Random();
        ByteBuffer buf = ByteBuffer.allocate(16 * 65536);
        while (!stop.get() && bad.get() == null) {
            int f = r.nextInt(FILES);
            try {
                long fd = ro.open("/f" + f, O_RDONLY, 0);
                try {
                    buf.clear();
                    int n = ro.pread(fd, buf, 0);
                    for (int i = 0; i < n; i++) {
                        if (!written.get(f).contains(buf.get(i))) {
                            bad.compareAndSet(null, "/f" + f + " byte " + i + " = " + buf.get(i)
                                    + " was never written to it");
                            return;
                        }
                    }
                    reads.incrementAndGet();
                } finally {
                    ro.close(fd);
                }
            } catch (PfsException e) {
                // ENOENT before the RO mount saw the file, EIO for a map older than it may trust
            }
        }
    }
}
