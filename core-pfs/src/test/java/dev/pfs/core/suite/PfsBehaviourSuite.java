package dev.pfs.core.suite;

import static dev.pfs.core.OpenFlags.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.core.DirEntry;
import dev.pfs.core.Errno;
import dev.pfs.core.FileType;
import dev.pfs.core.FsckReport;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.PfsStat;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The file system's behaviour, written once and run over every kind of volume: subclasses
 * say how to get a fresh {@link BlockVolume}. Each test starts on a freshly formatted volume
 * and ends with an unmount and an fsck that must be clean.
 */
@Timeout(60)
public abstract class PfsBehaviourSuite {
    /** Volume size the suite formats. */
    protected static final long VOLUME_SIZE = 64L << 20;
    /** Chunk size the suite formats: small, so that a volume has several chunks. */
    protected static final long CHUNK_SIZE = 16L << 20;

    protected BlockVolume volume;
    protected Pfs fs;

    /** @return a fresh volume of {@code size} bytes */
    protected abstract BlockVolume newVolume(long size) throws Exception;

    /** @return whether the volume can grow ({@link BlockVolume#resize}); the growfs test runs only then */
    protected boolean resizable() {
        return true;
    }

    @BeforeEach
    void formatAndMount() throws Exception {
        volume = newVolume(VOLUME_SIZE);
        Pfs.mkfs(volume, new MkfsOptions(CHUNK_SIZE, 8));
        fs = Pfs.mount(volume, MountOptions.readWrite(0).withReuseDelay(Duration.ofMillis(100)));
    }

    @AfterEach
    void unmountAndCheck() throws Exception {
        if (fs != null) {
            fs.close();
        }
        FsckReport r = Pfs.fsck(volume, false);
        volume.close();
        assertThat(r.problems()).as("fsck after the test").isEmpty();
    }

    /** Remounts RW (unmount, mount) and returns the new mount. */
    protected Pfs remount() throws Exception {
        fs.close();
        fs = Pfs.mount(volume, MountOptions.readWrite(0).withReuseDelay(Duration.ofMillis(100)));
        return fs;
    }

    protected static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    protected static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    protected void writeFile(String path, byte[] data) throws PfsException {
        long fd = fs.open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
        assertThat(fs.write(fd, ByteBuffer.wrap(data))).isEqualTo(data.length);
        fs.fsync(fd);
        fs.close(fd);
    }

    protected byte[] readFile(String path) throws PfsException {
        long fd = fs.open(path, O_RDONLY, 0);
        long size = fs.fstat(fd).size();
        ByteBuffer b = ByteBuffer.allocate((int) size);
        while (b.hasRemaining() && fs.read(fd, b) > 0) {
            // keep reading
        }
        fs.close(fd);
        return Arrays.copyOf(b.array(), b.position());
    }

    protected static void assertErrno(Errno errno, ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOf(PfsException.class)
                .satisfies(e -> assertThat(((PfsException) e).errno()).isEqualTo(errno));
    }

    @Test
    void createWriteReadBack() throws Exception {
        byte[] data = random(200_000, 1);
        writeFile("/a", data);
        assertThat(readFile("/a")).isEqualTo(data);
        PfsStat st = fs.stat("/a");
        assertThat(st.size()).isEqualTo(data.length);
        assertThat(st.type()).isEqualTo(FileType.REGULAR);
        assertThat(st.nlink()).isEqualTo(1);
        assertThat(st.blocks() * 512).isGreaterThanOrEqualTo(data.length);
        assertThat(st.permissions()).isEqualTo(0644);
    }

    @Test
    void dataSurvivesRemount() throws Exception {
        byte[] data = random(300_001, 2);
        writeFile("/d", data);
        fs.mkdir("/dir", 0755);
        writeFile("/dir/x", random(10, 3));
        remount();
        assertThat(readFile("/d")).isEqualTo(data);
        assertThat(fs.readdir("/dir")).extracting(DirEntry::name).containsExactly("x");
    }

    @Test
    void unalignedWritesAndReadsMergeWithExistingData() throws Exception {
        byte[] data = random(150_000, 4);
        writeFile("/u", data);
        long fd = fs.open("/u", O_RDWR, 0);
        byte[] patch = random(1000, 5);
        fs.pwrite(fd, ByteBuffer.wrap(patch), 65_530);
        System.arraycopy(patch, 0, data, 65_530, patch.length);
        ByteBuffer b = ByteBuffer.allocate(3000);
        assertThat(fs.pread(fd, b, 64_000)).isEqualTo(3000);
        assertThat(b.array()).isEqualTo(Arrays.copyOfRange(data, 64_000, 67_000));
        fs.close(fd);
        assertThat(readFile("/u")).isEqualTo(data);
    }

    @Test
    void writePastEndLeavesZerosInTheGap() throws Exception {
        writeFile("/g", random(100, 6));
        long fd = fs.open("/g", O_RDWR, 0);
        fs.pwrite(fd, bytes("end"), 200_000);
        byte[] all = readFile("/g");
        assertThat(all).hasSize(200_003);
        for (int i = 100; i < 200_000; i++) {
            assertThat(all[i]).as("byte %d", i).isZero();
        }
        fs.close(fd);
    }

    @Test
    void truncateShrinksAndGrowsWithZeros() throws Exception {
        byte[] data = random(200_000, 7);
        writeFile("/t", data);
        fs.truncate("/t", 70_000);
        assertThat(fs.stat("/t").size()).isEqualTo(70_000);
        fs.truncate("/t", 140_000);
        byte[] all = readFile("/t");
        assertThat(Arrays.copyOf(all, 70_000)).isEqualTo(Arrays.copyOf(data, 70_000));
        for (int i = 70_000; i < 140_000; i++) {
            assertThat(all[i]).as("byte %d", i).isZero();
        }
        long fd = fs.open("/t", O_RDWR, 0);
        fs.ftruncate(fd, 0);
        assertThat(fs.fstat(fd).size()).isZero();
        assertThat(fs.fstat(fd).blocks()).isZero();
        fs.close(fd);
    }

    @Test
    void openFlagsBehaveAsPosix() throws Exception {
        writeFile("/f", random(10, 8));
        assertErrno(Errno.EEXIST, () -> fs.open("/f", O_CREAT | O_EXCL | O_WRONLY, 0644));
        assertErrno(Errno.ENOENT, () -> fs.open("/missing", O_RDONLY, 0));
        long fd = fs.open("/f", O_WRONLY | O_APPEND, 0);
        fs.write(fd, bytes("xy"));
        assertThat(fs.fstat(fd).size()).isEqualTo(12);
        assertErrno(Errno.EBADF, () -> fs.read(fd, ByteBuffer.allocate(1)));
        fs.close(fd);
        long t = fs.open("/f", O_RDWR | O_TRUNC | O_DIRECT, 0);
        assertThat(fs.fstat(t).size()).isZero();
        fs.close(t);
        long r = fs.open("/f", O_RDONLY, 0);
        assertErrno(Errno.EBADF, () -> fs.write(r, bytes("no")));
        fs.close(r);
        assertErrno(Errno.EBADF, () -> fs.close(r));
        fs.mkdir("/d", 0755);
        assertErrno(Errno.EISDIR, () -> fs.open("/d", O_WRONLY, 0));
        long dfd = fs.open("/d", O_RDONLY | O_DIRECTORY, 0);
        fs.fsync(dfd);
        fs.close(dfd);
        assertErrno(Errno.ENOTDIR, () -> fs.open("/f/x", O_CREAT | O_WRONLY, 0644));
    }

    @Test
    void lseekAndSequentialReadWrite() throws Exception {
        long fd = fs.open("/s", O_CREAT | O_RDWR, 0644);
        fs.write(fd, bytes("hello "));
        fs.write(fd, bytes("world"));
        assertThat(fs.lseek(fd, 0, SEEK_CUR)).isEqualTo(11);
        assertThat(fs.lseek(fd, -5, SEEK_END)).isEqualTo(6);
        ByteBuffer b = ByteBuffer.allocate(5);
        fs.read(fd, b);
        assertThat(new String(b.array(), StandardCharsets.UTF_8)).isEqualTo("world");
        assertThat(fs.read(fd, ByteBuffer.allocate(4))).isZero();
        assertErrno(Errno.EINVAL, () -> fs.lseek(fd, -100, SEEK_SET));
        assertErrno(Errno.EINVAL, () -> fs.lseek(fd, 0, 7));
        fs.close(fd);
    }

    @Test
    void renameReplacesAtomicallyAndMovesDirectories() throws Exception {
        writeFile("/a", bytes("A").array());
        writeFile("/b", bytes("B").array());
        fs.rename("/a", "/b");
        assertThat(readFile("/b")).isEqualTo(bytes("A").array());
        assertErrno(Errno.ENOENT, () -> fs.stat("/a"));
        fs.mkdir("/d1", 0755);
        fs.mkdir("/d1/sub", 0755);
        writeFile("/d1/sub/f", bytes("F").array());
        fs.mkdir("/d2", 0755);
        fs.rename("/d1/sub", "/d2/sub");
        assertThat(readFile("/d2/sub/f")).isEqualTo(bytes("F").array());
        assertThat(fs.stat("/d1").nlink()).isEqualTo(2);
        assertThat(fs.stat("/d2").nlink()).isEqualTo(3);
        assertErrno(Errno.EINVAL, () -> fs.rename("/d2", "/d2/sub/inside"));
        fs.mkdir("/full", 0755);
        writeFile("/full/x", bytes("x").array());
        assertErrno(Errno.ENOTEMPTY, () -> fs.rename("/d1", "/full"));
        assertErrno(Errno.EISDIR, () -> fs.rename("/b", "/d1"));
        assertErrno(Errno.ENOTDIR, () -> fs.rename("/d1", "/b"));
        fs.rename("/d1", "/d2/sub2");
        assertThat(fs.stat("/d2").nlink()).isEqualTo(4);
        remount();
        assertThat(fs.readdir("/d2")).extracting(DirEntry::name).containsExactly("sub", "sub2");
    }

    @Test
    void unlinkRmdirAndTheirErrors() throws Exception {
        fs.mkdir("/d", 0755);
        writeFile("/d/f", random(100_000, 9));
        long free = fs.statfs().freeBlocks();
        assertErrno(Errno.ENOTEMPTY, () -> fs.rmdir("/d"));
        assertErrno(Errno.EISDIR, () -> fs.unlink("/d"));
        assertErrno(Errno.ENOTDIR, () -> fs.rmdir("/d/f"));
        fs.unlink("/d/f");
        assertThat(fs.statfs().freeBlocks()).isGreaterThan(free);
        fs.rmdir("/d");
        assertErrno(Errno.ENOENT, () -> fs.rmdir("/d"));
        assertErrno(Errno.ENOENT, () -> fs.unlink("/nothing"));
        assertThat(fs.readdir("/")).isEmpty();
        assertThat(fs.stat("/").nlink()).isEqualTo(2);
    }

    @Test
    void unlinkedOpenFileStaysReadableUntilClose() throws Exception {
        byte[] data = random(70_000, 10);
        writeFile("/open", data);
        long fd = fs.open("/open", O_RDONLY, 0);
        fs.unlink("/open");
        ByteBuffer b = ByteBuffer.allocate(data.length);
        assertThat(fs.pread(fd, b, 0)).isEqualTo(data.length);
        assertThat(b.array()).isEqualTo(data);
        long free = fs.statfs().freeBlocks();
        fs.close(fd);
        assertThat(fs.statfs().freeBlocks()).isGreaterThan(free);
    }

    @Test
    void hardLinksAndSymlinks() throws Exception {
        writeFile("/t", bytes("target").array());
        fs.link("/t", "/h");
        assertThat(fs.stat("/t").nlink()).isEqualTo(2);
        assertThat(fs.stat("/h").ino()).isEqualTo(fs.stat("/t").ino());
        fs.unlink("/t");
        assertThat(readFile("/h")).isEqualTo(bytes("target").array());
        fs.symlink("/h", "/s");
        fs.mkdir("/dir", 0755);
        fs.symlink("../h", "/dir/rel");
        assertThat(fs.readlink("/s")).isEqualTo("/h");
        assertThat(fs.lstat("/s").type()).isEqualTo(FileType.SYMLINK);
        assertThat(fs.stat("/s").type()).isEqualTo(FileType.REGULAR);
        assertThat(readFile("/dir/rel")).isEqualTo(bytes("target").array());
        assertErrno(Errno.EINVAL, () -> fs.readlink("/h"));
        assertErrno(Errno.EEXIST, () -> fs.link("/h", "/s"));
        assertErrno(Errno.EPERM, () -> fs.link("/dir", "/dir2"));
        fs.symlink("/loop2", "/loop1");
        fs.symlink("/loop1", "/loop2");
        assertErrno(Errno.ELOOP, () -> fs.stat("/loop1"));
    }

    @Test
    void attributesChange() throws Exception {
        writeFile("/a", bytes("x").array());
        fs.chmod("/a", 0600);
        fs.chown("/a", 1000, -1);
        fs.utimens("/a", 1_000_000_000L, 2_000_000_000L);
        PfsStat st = remount().stat("/a");
        assertThat(st.permissions()).isEqualTo(0600);
        assertThat(st.uid()).isEqualTo(1000);
        assertThat(st.gid()).isZero();
        assertThat(st.atimeNs()).isEqualTo(1_000_000_000L);
        assertThat(st.mtimeNs()).isEqualTo(2_000_000_000L);
        fs.access("/a", R_OK | W_OK);
        assertErrno(Errno.ENOENT, () -> fs.access("/b", F_OK));
    }

    @Test
    void writeUpdatesMtime() throws Exception {
        writeFile("/m", bytes("x").array());
        fs.utimens("/m", 0, 0);
        long fd = fs.open("/m", O_WRONLY, 0);
        fs.pwrite(fd, bytes("y"), 0);
        fs.fsync(fd);
        fs.close(fd);
        assertThat(remount().stat("/m").mtimeNs()).isPositive();
    }

    @Test
    void fallocateModes() throws Exception {
        long fd = fs.open("/fa", O_CREAT | O_RDWR, 0644);
        fs.fallocate(fd, 0, 0, 300_000);
        assertThat(fs.fstat(fd).size()).isEqualTo(300_000);
        assertThat(fs.fstat(fd).blocks() * 512).isGreaterThanOrEqualTo(300_000);
        ByteBuffer z = ByteBuffer.allocate(300_000);
        fs.pread(fd, z, 0);
        assertThat(z.array()).containsOnly(0);
        fs.fallocate(fd, FALLOC_FL_KEEP_SIZE, 300_000, 100_000);
        assertThat(fs.fstat(fd).size()).isEqualTo(300_000);
        byte[] data = random(300_000, 11);
        fs.pwrite(fd, ByteBuffer.wrap(data), 0);
        fs.fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 10_000, 200_000);
        Arrays.fill(data, 10_000, 210_000, (byte) 0);
        ByteBuffer b = ByteBuffer.allocate(300_000);
        fs.pread(fd, b, 0);
        assertThat(b.array()).isEqualTo(data);
        fs.fallocate(fd, FALLOC_FL_ZERO_RANGE, 250_000, 100_000);
        assertThat(fs.fstat(fd).size()).isEqualTo(350_000);
        b = ByteBuffer.allocate(350_000);
        fs.pread(fd, b, 0);
        assertThat(Arrays.copyOfRange(b.array(), 250_000, 350_000)).containsOnly(0);
        assertThat(Arrays.copyOf(b.array(), 250_000)).isEqualTo(Arrays.copyOf(data, 250_000));
        assertErrno(Errno.EOPNOTSUPP, () -> fs.fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 10));
        assertErrno(Errno.EINVAL, () -> fs.fallocate(fd, 0, 0, 0));
        fs.close(fd);
    }

    @Test
    void badPathsAreRefused() throws Exception {
        assertErrno(Errno.EINVAL, () -> fs.stat("/a/../b"));
        assertErrno(Errno.EINVAL, () -> fs.mkdir("/./x", 0755));
        assertErrno(Errno.EINVAL, () -> fs.open("/a\0b", O_CREAT | O_WRONLY, 0644));
        assertErrno(Errno.EINVAL, () -> fs.stat("relative"));
        String longName = "/" + "n".repeat(256);
        assertErrno(Errno.ENAMETOOLONG, () -> fs.open(longName, O_CREAT | O_WRONLY, 0644));
        fs.mkdir("/" + "n".repeat(255), 0755);
        assertThat(fs.readdir("/")).hasSize(1);
        assertErrno(Errno.EEXIST, () -> fs.mkdir("/", 0755));
    }

    @Test
    void fullVolumeGivesEnospcAndRecovers() throws Exception {
        long free = fs.statfs().freeBlocks() * fs.statfs().blockSize();
        byte[] chunk = random(1 << 20, 12);
        long fd = fs.open("/fill", O_CREAT | O_WRONLY, 0644);
        long written = 0;
        PfsException full = null;
        while (full == null) {
            try {
                written += fs.write(fd, ByteBuffer.wrap(chunk));
            } catch (PfsException e) {
                full = e;
            }
        }
        assertThat(full.errno()).isEqualTo(Errno.ENOSPC);
        assertThat(written).isLessThanOrEqualTo(free);
        assertThat(fs.fstat(fd).size()).isEqualTo(written);
        fs.fsync(fd);
        fs.close(fd);
        assertErrno(Errno.ENOSPC, () -> writeFile("/more", chunk));
        fs.unlink("/fill");
        writeFile("/after", chunk);
        assertThat(readFile("/after")).isEqualTo(chunk);
        assertThat(remount().stat("/after").size()).isEqualTo(chunk.length);
    }

    @Test
    void manyFilesAcrossChunksAndJournalWraps() throws Exception {
        fs.mkdir("/many", 0755);
        for (int i = 0; i < 300; i++) {
            writeFile("/many/f" + i, random(100 + i, i));
        }
        for (int i = 0; i < 300; i += 2) {
            fs.unlink("/many/f" + i);
        }
        remount();
        List<DirEntry> left = fs.readdir("/many");
        assertThat(left).hasSize(150);
        assertThat(readFile("/many/f299")).isEqualTo(random(399, 299));
    }

    @Test
    void attributeChangesSurviveJournalCheckpoints() throws Exception {
        writeFile("/sized", random(70_000, 14));
        fs.chmod("/sized", 0600);
        long fd = fs.open("/sized", O_WRONLY, 0);
        fs.pwrite(fd, bytes("tail"), 130_000);
        fs.fsync(fd);
        fs.close(fd);
        for (int i = 0; i < 400; i++) {
            fs.mkdir("/cp" + i, 0755);
        }
        PfsStat st = remount().stat("/sized");
        assertThat(st.size()).isEqualTo(130_004);
        assertThat(st.permissions()).isEqualTo(0600);
        assertThat(fs.readdir("/")).hasSize(401);
    }

    @Test
    void readOnlyMountRefusesChangesAndFollowsTheWriter() throws Exception {
        writeFile("/before", bytes("1").array());
        try (Pfs ro = Pfs.mount(volume, new MountOptions(false, 1, MountOptions.DEFAULT_LEASE,
                java.time.Duration.ofMillis(20)))) {
            assertThat(ro.isReadWrite()).isFalse();
            assertErrno(Errno.EROFS, () -> ro.open("/x", O_CREAT | O_WRONLY, 0644));
            assertErrno(Errno.EROFS, () -> ro.mkdir("/y", 0755));
            assertErrno(Errno.EROFS, () -> ro.unlink("/before"));
            writeFile("/after", bytes("22").array());
            fs.rename("/before", "/renamed");
            fs.truncate("/after", 1);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline && !seen(ro)) {
                Thread.onSpinWait();
            }
            assertThat(seen(ro)).as("RO mount sees create, rename and truncate").isTrue();
        }
    }

    private static boolean seen(Pfs ro) {
        try {
            return ro.stat("/after").size() == 1 && ro.stat("/renamed").size() == 1;
        } catch (PfsException e) {
            return false;
        }
    }

    @Test
    void growfsUsesTheLargerVolume() throws Exception {
        assumeTrue(resizable(), "this kind of volume has a fixed size");
        long before = fs.statfs().totalBlocks();
        writeFile("/keep", random(50_000, 13));
        volume.resize(VOLUME_SIZE * 2).get();
        fs.growfs();
        assertThat(fs.statfs().totalBlocks()).isGreaterThan(before);
        remount();
        assertThat(fs.statfs().totalBlocks()).isGreaterThan(before);
        assertThat(readFile("/keep")).isEqualTo(random(50_000, 13));
    }

    @Test
    void concurrentWritersToDifferentFiles() throws Exception {
        Thread[] ts = new Thread[4];
        Throwable[] err = new Throwable[1];
        for (int t = 0; t < ts.length; t++) {
            int id = t;
            ts[t] = new Thread(() -> {
                try {
                    for (int i = 0; i < 20; i++) {
                        writeFile("/c" + id + "_" + i, random(5000, id * 100 + i));
                    }
                } catch (Throwable e) {
                    err[0] = e;
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        assertThat(err[0]).isNull();
        assertThat(fs.readdir("/")).hasSize(80);
        assertThat(readFile("/c3_19")).isEqualTo(random(5000, 319));
    }
}
