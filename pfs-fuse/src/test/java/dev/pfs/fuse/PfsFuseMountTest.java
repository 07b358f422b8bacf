package dev.pfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What databases rely on, through a real FUSE mount of an in-memory libpfs: the FUSE mapping
 * itself (the real libpfs over a FileVolume is covered by the database system tests).
 */
@Tag("system")
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PfsFuseMountTest {
    @TempDir
    Path tmp;
    private MemoryPfs pfs;
    private PfsFuseMount mount;
    private Path mnt;

    @BeforeEach
    void mount() throws Exception {
        mnt = Files.createDirectory(tmp.resolve("mnt"));
        pfs = new MemoryPfs();
        mount = PfsFuseMount.mount(pfs, mnt, FuseMountOptions.defaults("memory"));
    }

    @AfterEach
    void unmount() {
        mount.close();
    }

    @Test
    void writesReadsAndFsyncsThroughTheMount() throws Exception {
        Path f = mnt.resolve("a.dat");
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new java.util.Random(7).nextBytes(data);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(data));
            ch.force(true);
            ch.force(false);
        }
        assertThat(Files.readAllBytes(f)).isEqualTo(data);
        assertThat(Files.size(f)).isEqualTo(data.length);
        assertThat(Files.getAttribute(f, "unix:ino")).isNotEqualTo(0L);
        assertThat(run("stat", "-c", "%b", f.toString()).strip()).isNotEqualTo("0");
    }

    @Test
    void aFailedFsyncKeepsFailing() throws Exception {
        Path f = mnt.resolve("wal");
        FileChannel first = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        first.write(ByteBuffer.wrap("x".getBytes(StandardCharsets.UTF_8)));
        pfs.failFsyncs();
        assertThatThrownBy(() -> first.force(true)).isInstanceOf(IOException.class);
        assertThatThrownBy(first::close).as("close reports the lost write too").isInstanceOf(IOException.class);
        FileChannel second = FileChannel.open(f, StandardOpenOption.WRITE);
        assertThatThrownBy(() -> second.force(false)).isInstanceOf(IOException.class);
        assertThatThrownBy(second::close).isInstanceOf(IOException.class);
    }

    @Test
    void renameReplacesAtomicallyAndLinksAndSymlinksWork() throws Exception {
        Files.writeString(mnt.resolve("new"), "new");
        Files.writeString(mnt.resolve("old"), "old");
        Files.move(mnt.resolve("new"), mnt.resolve("old"), StandardCopyOption.ATOMIC_MOVE);
        assertThat(Files.readString(mnt.resolve("old"))).isEqualTo("new");
        assertThat(Files.exists(mnt.resolve("new"))).isFalse();

        Files.createLink(mnt.resolve("hard"), mnt.resolve("old"));
        assertThat(Files.getAttribute(mnt.resolve("old"), "unix:nlink")).isEqualTo(2);
        Files.createSymbolicLink(mnt.resolve("sym"), Path.of("old"));
        assertThat(Files.readSymbolicLink(mnt.resolve("sym"))).isEqualTo(Path.of("old"));
        assertThat(Files.readString(mnt.resolve("sym"))).isEqualTo("new");
        Files.createDirectories(mnt.resolve("d/e"));
        assertThat(run("ls", mnt.resolve("d").toString()).strip()).isEqualTo("e");
    }

    @Test
    void attributesLocksFallocateDirectIoAndXattrs() throws Exception {
        Path f = Files.writeString(mnt.resolve("f"), "data");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        run("chown", "12:34", f.toString());
        assertThat(run("stat", "-c", "%u:%g", f.toString()).strip()).isEqualTo("12:34");
        Files.setLastModifiedTime(f, FileTime.fromMillis(1_000_000_000_000L));
        assertThat(Files.getLastModifiedTime(f).toMillis()).isEqualTo(1_000_000_000_000L);

        run("fallocate", "-l", "1048576", mnt.resolve("alloc").toString());
        assertThat(Files.size(mnt.resolve("alloc"))).isEqualTo(1048576);

        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE);
             FileLock lock = ch.tryLock()) {
            assertThat(lock).isNotNull();
        }
        assertThat(run("flock", "-n", f.toString(), "true")).isEmpty();

        try (FileChannel ch = FileChannel.open(mnt.resolve("direct"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096, 4096);
            assertThat(ch.write(buf.asByteBuffer(), 0)).isEqualTo(4096);
            ch.force(true);
        }

        UserDefinedFileAttributeView xattrs = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
        assertThatThrownBy(() -> xattrs.write("k", ByteBuffer.wrap(new byte[1])))
                .isInstanceOf(IOException.class).hasMessageContaining("not supported");
        assertThat(run("df", "--output=fstype", mnt.toString())).contains("fuse.pfs");
    }

    /**
     * Every change on a RW mount passes through the kernel, so the pages it wrote stay valid: a
     * read after a write (which changes the mtime) is served from the page cache. With
     * FUSE_AUTO_INVAL_DATA (needed on RO mounts only) each such read cost a GETATTR, and the new
     * mtime it brought dropped the file's pages, so the read went to libpfs.
     */
    @Test
    void readsAfterWritesStayInThePageCache() throws Exception {
        Path f = mnt.resolve("table");
        byte[] data = new byte[16 * 4096];
        new java.util.Random(3).nextBytes(data);
        Files.write(f, data);
        assertThat(Files.readAllBytes(f)).isEqualTo(data);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (int round = 0; round < 3; round++) {
                long before = System.currentTimeMillis();
                long deadline = before + 5_000;
                while (System.currentTimeMillis() == before && System.currentTimeMillis() < deadline) {
                    Thread.onSpinWait(); // a new millisecond, so the write below changes the mtime
                }
                long preads = pfs.preads();
                data[round * 4096] ^= 1;
                assertThat(ch.write(ByteBuffer.wrap(data, round * 4096, 4096), round * 4096L)).isEqualTo(4096);
                ByteBuffer back = ByteBuffer.allocate(data.length);
                while (back.hasRemaining() && ch.read(back, back.position()) > 0) {
                    // loop on short reads
                }
                assertThat(back.array()).isEqualTo(data);
                assertThat(pfs.preads() - preads).as("preads that reached libpfs in round %d", round).isZero();
            }
        }
    }

    @Test
    void unmountFromOutsideEndsTheLoop() throws Exception {
        run("fusermount3", "-u", mnt.toString());
        assertThat(mount.awaitUnmounted(30_000)).isTrue();
        assertThat(MountTable.isMountPoint(mnt)).isFalse();
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", cmd), out).isZero();
        return out;
    }
}
