package dev.pfs.core.fs;

import static dev.pfs.core.OpenFlags.O_CREAT;
import static dev.pfs.core.OpenFlags.O_RDONLY;
import static dev.pfs.core.OpenFlags.O_RDWR;
import static dev.pfs.core.OpenFlags.O_TRUNC;
import static dev.pfs.core.OpenFlags.O_WRONLY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.core.DirEntry;
import dev.pfs.core.FileType;
import dev.pfs.core.FsckReport;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Must-show 2: power loss at a seeded write during creates, writes, renames, truncates and
 * unlinks with fsyncs. After restart and remount, fsck is clean, every fsynced file and every
 * completed namespace change is there with its content, and the file that was being changed
 * when the power went holds only its old bytes, its new bytes or zeros (never foreign data).
 *
 * <p>{@code -Dpfs.crash.seeds=N -Dpfs.crash.firstSeed=S} choose the seeds (200 from 0 by
 * default); {@code scripts/soak-crash} runs any number.
 */
class CrashTest {
    private static final long VOLUME = 16L << 20;
    /**
     * The crashed mount's lease, which the remount waits out. The mounts run no renewal thread
     * (so a seed replays exactly): the first one's clock stands still, the remount's runs in
     * real time while it waits out the old lease and stands still once it won.
     */
    private static final MountOptions LEASE = new MountOptions(true, 0, Duration.ofMillis(50), Duration.ofMillis(50));

    private static final AtomicInteger SEEDS = new AtomicInteger();
    private static final AtomicInteger CUT_MID_RUN = new AtomicInteger();

    @AfterAll
    static void summary() {
        System.out.printf("%ncrash test: %d seeds passed, %d with the power cut in the middle of an operation%n",
                SEEDS.get(), CUT_MID_RUN.get());
    }

    @TestFactory
    Stream<DynamicTest> everyFsyncedFileSurvivesPowerLoss() {
        long n = Long.getLong("pfs.crash.seeds", 200);
        long first = Long.getLong("pfs.crash.firstSeed", 0);
        return LongStream.range(first, first + n).mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed,
                () -> Assertions.assertTimeoutPreemptively(Duration.ofSeconds(30), () -> runSeed(seed),
                        () -> "seed " + seed + " timed out; replay with -Dpfs.crash.firstSeed=" + seed
                                + " -Dpfs.crash.seeds=1")));
    }

    /** The expected durable state: path to contents (null content = directory). */
    private final Map<String, byte[]> model = new TreeMap<>();
    private final Set<String> uncertain = new HashSet<>();
    private final Map<String, byte[][]> uncertainVersions = new TreeMap<>();

    private void runSeed(long seed) throws Exception {
        model.clear();
        uncertain.clear();
        uncertainVersions.clear();
        FaultyVolume v = FaultyVolume.create(VOLUME, seed);
        Pfs.mkfs(v, new MkfsOptions(4L << 20, 4));
        TestClock clock = new TestClock();
        clock.freeze();
        Pfs fs = FileSystems.mount(v, LEASE, new FileSystems.MountHooks(clock, false, () -> { }));
        Random r = new Random(seed);
        v.powerLossAtWrite(1 + r.nextInt(300));
        try {
            for (int op = 0; op < 45 && !v.isDead(); op++) {
                step(fs, r, v);
            }
        } catch (PfsException e) {
            assertThat(v.isDead()).as("seed %d: only the power cut may fail an operation: %s", seed, e).isTrue();
        }
        boolean cutMidRun = v.isDead();
        v.powerLoss();
        FaultyVolume after = v.restart();
        try (Pfs again = remount(after)) {
            verify(again, seed);
        }
        FsckReport report = Pfs.fsck(after, false);
        assertThat(report.problems()).as("seed %d: fsck after remount", seed).isEmpty();
        SEEDS.incrementAndGet();
        if (cutMidRun) {
            CUT_MID_RUN.incrementAndGet();
        }
    }

    /**
     * Mounts after the crash: waits out the dead mount's lease in real time. A scheduling stall
     * longer than the election's patience makes it answer EBUSY (the holder might be alive), or
     * lets the new lease lapse before the mount finished (EROFS); then it tries again, as an
     * operator would.
     */
    private static Pfs remount(FaultyVolume after) throws PfsException {
        for (int attempt = 1; ; attempt++) {
            TestClock real = new TestClock();
            try {
                return FileSystems.mount(after, LEASE, new FileSystems.MountHooks(real, false, real::freeze));
            } catch (PfsException e) {
                if (e.errno() != dev.pfs.core.Errno.EBUSY && e.errno() != dev.pfs.core.Errno.EROFS || attempt == 20) {
                    throw e;
                }
            }
        }
    }

    private String pick(Random r, boolean dirs) {
        List<String> c = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : model.entrySet()) {
            if ((e.getValue() == null) == dirs) {
                c.add(e.getKey());
            }
        }
        return c.isEmpty() ? null : c.get(r.nextInt(c.size()));
    }

    private String newName(Random r) {
        String dir = r.nextInt(3) == 0 ? pick(r, true) : null;
        return (dir == null ? "" : dir) + "/n" + r.nextInt(1000);
    }

    private void step(Pfs fs, Random r, FaultyVolume v) throws PfsException {
        int kind = r.nextInt(10);
        String file = pick(r, false);
        if (kind <= 2 || file == null) {
            String p = newName(r);
            if (model.containsKey(p)) {
                return;
            }
            byte[] data = new byte[r.nextInt(140_000)];
            r.nextBytes(data);
            inFlight(p, null, data);
            int fd = fs.open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
            fs.write(fd, ByteBuffer.wrap(data));
            fs.fsync(fd);
            fs.close(fd);
            done(p, data);
        } else if (kind == 3 && r.nextInt(4) == 0) {
            // A burst of small transactions: fills half the journal, so checkpoints happen mid-run.
            String base = "/burst" + r.nextInt(1000);
            if (model.containsKey(base)) {
                return;
            }
            uncertain.add(base);
            fs.mkdir(base, 0700);
            int dir = fs.open(base, O_RDONLY, 0);
            try {
                fs.fsync(dir);
                uncertain.remove(base);
                model.put(base, null);
                for (int i = 0; i < 60; i++) {
                    String p = base + "/" + i;
                    if (fs.statfs().freeInodes() < 40) {
                        break;
                    }
                    uncertain.add(p);
                    fs.mkdir(p, 0700);
                    fs.fsync(dir);
                    uncertain.remove(p);
                    model.put(p, null);
                }
            } finally {
                if (!v.isDead()) {
                    fs.close(dir);
                }
            }
        } else if (kind == 3) {
            String p = newName(r);
            if (model.containsKey(p) || fs.statfs().freeInodes() < 10) {
                return;
            }
            uncertain.add(p);
            fs.mkdir(p, 0755);
            int parent = fs.open(p.substring(0, Math.max(1, p.lastIndexOf('/'))), O_RDONLY, 0);
            fs.fsync(parent);
            fs.close(parent);
            uncertain.remove(p);
            model.put(p, null);
        } else if (kind <= 5) {
            byte[] old = model.get(file);
            int off = r.nextInt(old.length + 1000);
            byte[] patch = new byte[1 + r.nextInt(70_000)];
            r.nextBytes(patch);
            byte[] next = Arrays.copyOf(old, Math.max(old.length, off + patch.length));
            System.arraycopy(patch, 0, next, off, patch.length);
            inFlight(file, old, next);
            int fd = fs.open(file, O_RDWR, 0);
            fs.pwrite(fd, ByteBuffer.wrap(patch), off);
            fs.fdatasync(fd);
            fs.close(fd);
            done(file, next);
        } else if (kind == 6) {
            byte[] old = model.get(file);
            int len = r.nextInt(old.length + 100_000);
            byte[] next = Arrays.copyOf(old, len);
            inFlight(file, old, next);
            fs.truncate(file, len);
            done(file, next);
        } else if (kind == 7) {
            inFlight(file, model.get(file), null);
            fs.unlink(file);
            uncertain.remove(file);
            uncertainVersions.remove(file);
            model.remove(file);
        } else {
            String to = r.nextBoolean() ? pick(r, false) : newName(r);
            if (to == null || to.equals(file) || model.get(to) == null && model.containsKey(to)) {
                return;
            }
            byte[] data = model.get(file);
            inFlight(file, data, null);
            inFlight(to, model.get(to), data);
            fs.rename(file, to);
            uncertain.clear();
            uncertainVersions.clear();
            model.remove(file);
            model.put(to, data);
        }
    }

    private void inFlight(String path, byte[] old, byte[] next) {
        uncertain.add(path);
        uncertainVersions.put(path, new byte[][] {old, next});
    }

    private void done(String path, byte[] data) {
        uncertain.remove(path);
        uncertainVersions.remove(path);
        model.put(path, data);
    }

    private void verify(Pfs fs, long seed) throws PfsException {
        Set<String> found = new HashSet<>();
        walk(fs, "/", found);
        for (Map.Entry<String, byte[]> e : model.entrySet()) {
            String p = e.getKey();
            if (uncertain.contains(p)) {
                continue;
            }
            assertThat(found).as("seed %d: %s must exist", seed, p).contains(p);
            if (e.getValue() == null) {
                assertThat(fs.stat(p).type()).isEqualTo(FileType.DIRECTORY);
            } else {
                assertThat(read(fs, p)).as("seed %d: content of %s", seed, p).isEqualTo(e.getValue());
            }
        }
        for (String p : found) {
            if (uncertain.contains(p)) {
                if (fs.stat(p).type() == FileType.REGULAR) {
                    checkNoForeignBytes(read(fs, p), uncertainVersions.get(p), seed, p);
                }
                continue;
            }
            assertThat(model).as("seed %d: %s must not exist", seed, p).containsKey(p);
        }
    }

    private static void checkNoForeignBytes(byte[] got, byte[][] versions, long seed, String p) {
        for (int i = 0; i < got.length; i++) {
            byte b = got[i];
            boolean ok = b == 0;
            for (byte[] v : versions) {
                ok |= v != null && i < v.length && v[i] == b;
            }
            if (!ok) {
                Assertions.fail("seed " + seed + ": " + p + " byte " + i + " is neither old, new nor zero");
            }
        }
    }

    private static void walk(Pfs fs, String dir, Set<String> out) throws PfsException {
        for (DirEntry e : fs.readdir(dir)) {
            String p = (dir.equals("/") ? "" : dir) + "/" + e.name();
            out.add(p);
            if (e.type() == FileType.DIRECTORY) {
                walk(fs, p, out);
            }
        }
    }

    private static byte[] read(Pfs fs, String p) throws PfsException {
        int fd = fs.open(p, O_RDONLY, 0);
        try {
            ByteBuffer b = ByteBuffer.allocate((int) fs.fstat(fd).size());
            fs.pread(fd, b, 0);
            return b.array();
        } finally {
            fs.close(fd);
        }
    }
}
