package dev.pfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.FileVolume;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The defects of the path-based binding, each shown through a real mount of the real libpfs:
 * one kernel inode per pfs inode, special files, owners at creation, rename over an open file,
 * symlink times.
 */
@Tag("system")
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class InodeSemanticsMountTest {
    @TempDir
    Path tmp;
    private FileVolume volume;
    private Pfs pfs;
    private PfsFuseMount mount;
    private Path mnt;

    @BeforeEach
    void mount() throws Exception {
        volume = FileVolume.create(tmp.resolve("v.img"), 256L << 20);
        Pfs.mkfs(volume, new MkfsOptions(64L << 20, 8));
        pfs = Pfs.mount(volume, MountOptions.readWrite(0));
        mnt = Files.createDirectory(tmp.resolve("mnt"));
        mount = PfsFuseMount.mount(pfs, mnt, FuseMountOptions.defaults("inode-test").withAllowOther(true));
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void unmount() throws Exception {
        mount.close();
        pfs.close();
        volume.close();
    }

    @Test
    void hardLinkedNamesShareOneInodesAttributes() throws Exception {
        Path a = Files.writeString(mnt.resolve("a"), "x");
        assertThat(run("stat", "-c", "%h", a.toString()).strip()).isEqualTo("1");
        Files.createLink(mnt.resolve("b"), a);
        run("chmod", "600", mnt.resolve("b").toString());
        assertThat(run("stat", "-c", "%h %a", a.toString()).strip())
                .as("link count and mode through the first name, at once").isEqualTo("2 600");
        assertThat(run("stat", "-c", "%i", a.toString())).isEqualTo(run("stat", "-c", "%i", mnt.resolve("b").toString()));
    }

    @Test
    void fifosAndUnixSocketsCanBeCreatedAndUsed() throws Exception {
        run("mkfifo", mnt.resolve("fifo").toString());
        assertThat(run("stat", "-c", "%F", mnt.resolve("fifo").toString()).strip()).isEqualTo("fifo");
        Path sock = mnt.resolve("s.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            try (var client = java.nio.channels.SocketChannel.open(UnixDomainSocketAddress.of(sock));
                 var accepted = server.accept()) {
                client.write(ByteBuffer.wrap(new byte[] {42}));
                ByteBuffer in = ByteBuffer.allocate(1);
                accepted.read(in);
                assertThat(in.get(0)).isEqualTo((byte) 42);
            }
        }
        assertThat(run("stat", "-c", "%F", sock.toString()).strip()).isEqualTo("socket");
    }

    @Test
    void anUnprivilegedCallersFilesDirectoriesAndSymlinksAreItsOwn() throws Exception {
        run("chmod", "1777", mnt.toString());
        run("runuser", "-u", "nobody", "--", "sh", "-c",
                "cd " + mnt + " && echo x > f && mkdir d && ln -s f l");
        for (String name : List.of("f", "d", "l")) {
            assertThat(run("stat", "-c", "%U:%G", mnt.resolve(name).toString()).strip()).as(name)
                    .isEqualTo("nobody:nogroup");
        }
    }

    @Test
    void renameOverAnOpenFileLeavesNoHiddenNameAndTheOldFileReadable() throws Exception {
        Path target = Files.writeString(mnt.resolve("target"), "old");
        try (FileChannel open = FileChannel.open(target, StandardOpenOption.READ)) {
            Files.writeString(mnt.resolve("tmp"), "new");
            Files.move(mnt.resolve("tmp"), target, StandardCopyOption.ATOMIC_MOVE);
            try (Stream<Path> names = Files.list(mnt)) {
                assertThat(names.map(p -> p.getFileName().toString())).containsExactly("target");
            }
            ByteBuffer b = ByteBuffer.allocate(8);
            open.read(b, 0);
            assertThat(new String(b.array(), 0, b.position(), StandardCharsets.UTF_8)).isEqualTo("old");
        }
        assertThat(Files.readString(target)).isEqualTo("new");
    }

    @Test
    void utimensatWithoutFollowingSetsTheSymlinksOwnTimes() throws Exception {
        Path t = Files.writeString(mnt.resolve("t"), "t");
        Files.createSymbolicLink(mnt.resolve("l"), Path.of("t"));
        String targetTime = run("stat", "-c", "%Y", t.toString());
        run("touch", "-h", "-d", "@1000000000", mnt.resolve("l").toString());
        assertThat(run("stat", "-c", "%Y", mnt.resolve("l").toString()).strip()).isEqualTo("1000000000");
        assertThat(run("stat", "-c", "%Y", t.toString())).isEqualTo(targetTime);
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", cmd), out).isZero();
        return out;
    }
}
