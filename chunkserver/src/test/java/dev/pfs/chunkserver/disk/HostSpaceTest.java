package dev.pfs.chunkserver.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.protocol.Statuses;
import dev.pfs.chunkserver.store.ChunkStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory on a real, small host file system (an ext4 image loop-mounted in the test's
 * temporary directory; needs root, skipped otherwise): once formatted, a server never meets the
 * host's ENOSPC, however full the host gets, and format on a host without room fails with a
 * clear message and leaves nothing behind.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostSpaceTest {
    private static final int BLOCK = ChunkStore.BLOCK_SIZE;

    @TempDir
    Path tmp;
    private Path mounted;

    /** @return the mount point of a fresh ext4 file system of {@code megabytes} MB (no blocks reserved for root) */
    private Path mountExt4(int megabytes) throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "skipped: loop-mounting a small ext4 needs root");
        Path image = tmp.resolve("host.img");
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[1]), ((long) megabytes << 20) - 1);
        }
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        String mkfs = run(List.of("mkfs.ext4", "-q", "-F", "-m", "0", "-b", "4096", image.toString()));
        Assumptions.assumeTrue(mkfs == null, () -> "skipped: mkfs.ext4 failed: " + mkfs);
        String mount = run(List.of("mount", "-o", "loop", image.toString(), mnt.toString()));
        Assumptions.assumeTrue(mount == null, () -> "skipped: cannot loop-mount an ext4 image here: " + mount);
        mounted = mnt;
        return mnt;
    }

    /** @return null if the command succeeded, else its output */
    private static String run(List<String> command) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return e.getMessage();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? null : out;
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted != null && run(List.of("umount", mounted.toString())) != null) {
            // Something still holds a file open (a failed assertion skipped a close): detach it
            // now so no mount outlives the test, and say so.
            assertThat(run(List.of("umount", "-l", mounted.toString()))).as("umount -l").isNull();
            throw new AssertionError("the file system was still busy at the end of the test");
        }
    }

    /** Fills the host file system with one file until it refuses more. */
    private static void fill(Path dir) throws IOException {
        ByteBuffer piece = ByteBuffer.allocate(1 << 16);
        try (FileChannel ch = FileChannel.open(dir.resolve("filler"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            try {
                while (true) {
                    ch.write(piece.clear());
                }
            } catch (IOException full) {
                ch.force(true);
            }
        }
    }

    private static ByteBuffer filled(int value) {
        ByteBuffer b = ByteBuffer.allocateDirect(BLOCK);
        for (int i = 0; i < BLOCK; i++) {
            b.put(i, (byte) value);
        }
        return b;
    }

    @Test
    void aFormattedServerNeverMeetsHostEnospcHoweverFullTheHostGets() throws Exception {
        Path host = mountExt4(48);
        DataDir.Layout layout = new DataDir.Layout(16L << 20, 8L << 20, 4);
        int blocks = (int) (layout.capacityBytes() / BLOCK);
        ChunkStore.Options options = ChunkStore.Options.defaults().withWriteAhead(1 << 20);
        DataDir.openOrFormat(host.resolve("cs"), null, null, null, layout).close();
        fill(host);
        try (DataDir dir = DataDir.openOrFormat(host.resolve("cs"), null, null, null, layout);
             ChunkStore store = dir.openStore(options)) {
            store.create(1, layout.capacityBytes()).get(10, TimeUnit.SECONDS);
            for (int b = 0; b < blocks; b++) {
                assertThat(Statuses.of(store.write(1, 0, (long) b * BLOCK, filled(b + 1))))
                        .as("write of block %d of %d on a full host", b, blocks).isEqualTo(ChunkStatus.OK);
            }
            assertThat(Statuses.of(store.flush())).isEqualTo(ChunkStatus.OK);
            assertThat(store.failure()).isNull();
        }
        try (DataDir dir = DataDir.openOrFormat(host.resolve("cs"), null, null, null, layout);
             ChunkStore store = dir.openStore(options)) {
            assertThat(store.failure()).as("after replay and checkpoint").isNull();
            for (int b = 0; b < blocks; b++) {
                ByteBuffer got = ByteBuffer.allocateDirect(BLOCK);
                store.read(1, (long) b * BLOCK, got).get(10, TimeUnit.SECONDS);
                assertThat(got.get(0)).as("block %d", b).isEqualTo((byte) (b + 1));
                assertThat(got.get(BLOCK - 1)).as("block %d", b).isEqualTo((byte) (b + 1));
            }
        }
    }

    @Test
    void formatOnAHostWithoutRoomFailsClearlyAndLeavesNothingBehind() throws Exception {
        Path host = mountExt4(32);
        Path d = host.resolve("cs");
        assertThatThrownBy(() -> DataDir.openOrFormat(d, null, null, null,
                new DataDir.Layout(64L << 20, 8L << 20, 4)))
                .isInstanceOf(DataDirException.class)
                .hasMessageContaining("no room on the host file system")
                .hasMessageContaining("--capacity");
        try (Stream<Path> left = Files.list(d)) {
            assertThat(left).as("files left in %s", d).isEmpty();
        }
        assertThatThrownBy(() -> DataDir.openOrFormat(d, null, null, null,
                new DataDir.Layout(8L << 20, 64L << 20, 4)))
                .as("a WAL that does not fit").isInstanceOf(DataDirException.class)
                .hasMessageContaining("no room on the host file system");
        DataDir.openOrFormat(d, null, null, null, new DataDir.Layout(8L << 20, 8L << 20, 4)).close();
    }
}
