package dev.pfs.core.fs;

import static dev.pfs.core.OpenFlags.O_CREAT;
import static dev.pfs.core.OpenFlags.O_RDONLY;
import static dev.pfs.core.OpenFlags.O_WRONLY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.core.DirEntry;
import dev.pfs.core.Errno;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Must-show 4: seeded random operation sequences run against pfs and against a directory of
 * the local file system must give the same results, errors, sizes and contents, checked after
 * every operation and over the whole tree at the end (and again after a remount).
 * {@code -Dpfs.diff.seeds=N -Dpfs.diff.firstSeed=S} choose the seeds.
 */
class DifferentialTest {
    private static final String[] DIRS = {"", "/d1", "/d2", "/d1/e"};
    private static final String[] NAMES = {"a", "b", "c", "d1", "d2", "e"};

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> pfsBehavesAsTheLocalFileSystem() {
        long n = Long.getLong("pfs.diff.seeds", 40);
        long first = Long.getLong("pfs.diff.firstSeed", 0);
        return LongStream.range(first, first + n).mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed,
                () -> Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60), () -> runSeed(seed))));
    }

    private void runSeed(long seed) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("s" + seed));
        LocalFsModel local = new LocalFsModel(dir);
        FaultyVolume v = FaultyVolume.create(48L << 20, seed);
        Pfs.mkfs(v, new MkfsOptions(16L << 20, 4));
        Pfs fs = Pfs.mount(v, MountOptions.readWrite(0));
        Random r = new Random(seed);
        List<String> log = new ArrayList<>();
        try {
            for (int i = 0; i < 150; i++) {
                step(fs, local, r, log);
            }
            compareTrees(fs, local, "/", log);
            fs.close();
            fs = Pfs.mount(v, MountOptions.readWrite(0));
            compareTrees(fs, local, "/", log);
        } catch (AssertionError e) {
            throw new AssertionError("seed " + seed + " (replay: -Dpfs.diff.firstSeed=" + seed
                    + " -Dpfs.diff.seeds=1); last operations:\n  "
                    + String.join("\n  ", log.subList(Math.max(0, log.size() - 12), log.size())), e);
        } finally {
            fs.close();
        }
        assertThat(Pfs.fsck(v, false).problems()).as("seed %d fsck", seed).isEmpty();
    }

    private static String path(Random r) {
        return DIRS[r.nextInt(DIRS.length)] + "/" + NAMES[r.nextInt(NAMES.length)];
    }

    private interface PfsOp {
        void run() throws PfsException;
    }

    private static Errno pfsErrno(PfsOp op) {
        try {
            op.run();
            return null;
        } catch (PfsException e) {
            return e.errno();
        }
    }

    private void step(Pfs fs, LocalFsModel local, Random r, List<String> log) throws IOException {
        String a = path(r);
        String b = path(r);
        int kind = r.nextInt(11);
        Errno expected;
        Errno got;
        String what;
        switch (kind) {
            case 0, 1, 2 -> {
                long off = r.nextInt(4) == 0 ? r.nextInt(300_000) : r.nextInt(70_000);
                byte[] data = new byte[1 + r.nextInt(r.nextBoolean() ? 2000 : 140_000)];
                r.nextBytes(data);
                what = "pwrite " + a + " @" + off + " +" + data.length;
                expected = LocalFsModel.errnoOf(() -> local.pwrite(a, data, off));
                got = pfsErrno(() -> {
                    long fd = fs.open(a, O_CREAT | O_WRONLY, 0644);
                    try {
                        fs.pwrite(fd, ByteBuffer.wrap(data), off);
                    } finally {
                        fs.close(fd);
                    }
                });
            }
            case 3 -> {
                long len = r.nextInt(250_000);
                what = "truncate " + a + " " + len;
                expected = LocalFsModel.errnoOf(() -> local.truncate(a, len));
                got = pfsErrno(() -> fs.truncate(a, len));
            }
            case 4 -> {
                what = "unlink " + a;
                expected = LocalFsModel.errnoOf(() -> local.unlink(a));
                got = pfsErrno(() -> fs.unlink(a));
            }
            case 5 -> {
                what = "mkdir " + a;
                expected = LocalFsModel.errnoOf(() -> local.mkdir(a));
                got = pfsErrno(() -> fs.mkdir(a, 0755));
            }
            case 6 -> {
                what = "rmdir " + a;
                expected = LocalFsModel.errnoOf(() -> local.rmdir(a));
                got = pfsErrno(() -> fs.rmdir(a));
            }
            case 7, 8 -> {
                what = "rename " + a + " " + b;
                expected = LocalFsModel.errnoOf(() -> local.rename(a, b));
                got = pfsErrno(() -> fs.rename(a, b));
            }
            case 9 -> {
                what = "link " + a + " " + b;
                expected = LocalFsModel.errnoOf(() -> local.link(a, b));
                got = pfsErrno(() -> fs.link(a, b));
            }
            default -> {
                long off = r.nextInt(200_000);
                int len = r.nextInt(100_000);
                what = "read " + a + " @" + off + " +" + len;
                byte[][] want = new byte[1][];
                byte[][] have = new byte[1][];
                expected = LocalFsModel.errnoOf(() -> want[0] = local.read(a, off, len));
                got = pfsErrno(() -> {
                    long fd = fs.open(a, O_RDONLY, 0);
                    try {
                        ByteBuffer buf = ByteBuffer.allocate(len);
                        fs.pread(fd, buf, off);
                        have[0] = Arrays.copyOf(buf.array(), buf.position());
                    } finally {
                        fs.close(fd);
                    }
                });
                if (expected == null && got == null) {
                    assertThat(have[0]).as(what).isEqualTo(want[0]);
                }
            }
        }
        log.add(what + " -> " + (expected == null ? "ok" : expected));
        if (expected == Errno.EISDIR && got == null && kind == 10) {
            return;
        }
        assertThat(got).as(what).isEqualTo(expected);
    }

    private void compareTrees(Pfs fs, LocalFsModel local, String dir, List<String> log) throws Exception {
        List<String> names = new ArrayList<>();
        for (DirEntry e : fs.readdir(dir)) {
            names.add(e.name());
        }
        assertThat(names).as("listing of " + dir).isEqualTo(local.list(dir));
        for (String n : names) {
            String p = (dir.equals("/") ? "" : dir) + "/" + n;
            if (local.isDir(p)) {
                compareTrees(fs, local, p, log);
                continue;
            }
            long size = local.size(p);
            assertThat(fs.stat(p).size()).as("size of " + p).isEqualTo(size);
            long fd = fs.open(p, O_RDONLY, 0);
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            fs.pread(fd, buf, 0);
            fs.close(fd);
            assertThat(buf.array()).as("content of " + p).isEqualTo(local.read(p, 0, (int) size));
        }
    }
}
