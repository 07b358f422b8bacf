package dev.pfs.chunkserver.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.chunkserver.store.ChunkStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The disk identity stamp: a foreign or mismatched directory refuses to start, with a clear message. */
class DataDirTest {
    private static final DataDir.Layout LAYOUT = new DataDir.Layout(4 << 20, 8 << 20, 16);

    @TempDir
    Path tmp;

    @Test
    void formatsAnEmptyDirectoryAndReopensIt() throws Exception {
        Path d = tmp.resolve("d");
        DiskStamp first;
        try (DataDir dir = DataDir.openOrFormat(d, null, "c1", 7L, LAYOUT)) {
            first = dir.stamp();
        }
        try (DataDir dir = DataDir.openOrFormat(d, null, null, null, LAYOUT)) {
            assertThat(dir.stamp()).isEqualTo(first);
            assertThat(dir.stamp().clusterId()).isEqualTo("c1");
            assertThat(dir.stamp().serverId()).isEqualTo(7);
        }
    }

    @Test
    void refusesAForeignNonEmptyDirectory() throws Exception {
        Files.writeString(tmp.resolve("precious.txt"), "do not touch");
        assertThatThrownBy(() -> DataDir.openOrFormat(tmp, null, null, null, LAYOUT))
                .isInstanceOf(DataDirException.class).hasMessageContaining("not a pfs chunkserver directory");
        assertThat(Files.readString(tmp.resolve("precious.txt"))).isEqualTo("do not touch");
    }

    @Test
    void refusesAnotherClusterOrServer() throws Exception {
        Path d = tmp.resolve("d");
        DataDir.openOrFormat(d, null, "c1", 7L, LAYOUT).close();
        assertThatThrownBy(() -> DataDir.openOrFormat(d, null, "c2", null, LAYOUT))
                .isInstanceOf(DataDirException.class).hasMessageContaining("belongs to cluster 'c1', not 'c2'");
        assertThatThrownBy(() -> DataDir.openOrFormat(d, null, null, 8L, LAYOUT))
                .isInstanceOf(DataDirException.class).hasMessageContaining("belongs to server 7, not 8");
    }

    @Test
    void refusesAWalDirectoryOfAnotherDisk() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        DataDir.openOrFormat(a, tmp.resolve("wa"), null, null, LAYOUT).close();
        DataDir.openOrFormat(b, tmp.resolve("wb"), null, null, LAYOUT).close();
        assertThatThrownBy(() -> DataDir.openOrFormat(a, tmp.resolve("wb"), null, null, LAYOUT))
                .isInstanceOf(DataDirException.class).hasMessageContaining("belongs to disk");
        assertThatThrownBy(() -> DataDir.openOrFormat(a, null, null, null, LAYOUT))
                .isInstanceOf(DataDirException.class).hasMessageContaining("start it with the same --wal-dir");
    }

    @Test
    void refusesADamagedOrNewerStamp() throws Exception {
        Path d = tmp.resolve("d");
        DataDir.openOrFormat(d, null, null, null, LAYOUT).close();
        byte[] stamp = Files.readAllBytes(d.resolve("STAMP"));
        stamp[40] ^= 1;
        Files.write(d.resolve("STAMP"), stamp);
        assertThatThrownBy(() -> DataDir.openOrFormat(d, null, null, null, LAYOUT))
                .isInstanceOf(DataDirException.class).hasMessageContaining("CRC mismatch");
        stamp[40] ^= 1;
        stamp[DiskStampDescriptor.VERSION_OFFSET] = 9;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(stamp).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(DiskStampDescriptor.CRC_OFFSET, DiskStampDescriptor.computeCrc(b));
        Files.write(d.resolve("STAMP"), stamp);
        assertThatThrownBy(() -> DataDir.openOrFormat(d, null, null, null, LAYOUT))
                .isInstanceOf(DataDirException.class).hasMessageContaining("format version 9");
    }

    /**
     * @return bytes of {@code file} backed by written extents (not holes, not fallocated
     *         "unwritten" extents, whose first write makes the file system journal a conversion)
     */
    private static long writtenBytes(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("filefrag", "-v", "-b4096", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        long blocks = 0;
        java.util.regex.Pattern extent = java.util.regex.Pattern.compile(
                "^\\s*\\d+:\\s*\\d+\\.\\.\\s*\\d+:\\s*\\d+\\.\\.\\s*\\d+:\\s*(\\d+):.*");
        for (String line : out.split("\n")) {
            java.util.regex.Matcher m = extent.matcher(line);
            if (m.matches() && !line.contains("unwritten")) {
                blocks += Long.parseLong(m.group(1));
            }
        }
        return blocks * 4096;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theWalAndTheDataBlocksAheadOfTheBitmapAreWrittenSpaceNotHolesOrReservations() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/filefrag")), "needs filefrag");
        Path d = tmp.resolve("d");
        try (DataDir dir = DataDir.openOrFormat(d, null, null, null, LAYOUT);
             ChunkStore store = dir.openStore(ChunkStore.Options.defaults())) {
            store.create(1, ChunkStore.BLOCK_SIZE).get();
            store.flush().get();
            assertThat(writtenBytes(d.resolve(DataDir.WAL))).as("WAL").isEqualTo(LAYOUT.walBytes());
            assertThat(writtenBytes(d.resolve(DataDir.META))).as("meta (checkpoint slots)")
                    .isGreaterThanOrEqualTo(Files.size(d.resolve(DataDir.META)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (writtenBytes(d.resolve(DataDir.DATA)) < LAYOUT.capacityBytes() && System.nanoTime() < deadline) {
                store.flush().get();
            }
            assertThat(writtenBytes(d.resolve(DataDir.DATA))).as("data blocks written ahead (the whole small disk)")
                    .isEqualTo(LAYOUT.capacityBytes());
        }
    }
}
