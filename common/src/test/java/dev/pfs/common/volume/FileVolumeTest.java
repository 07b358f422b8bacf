package dev.pfs.common.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileVolumeTest {
    @TempDir
    Path dir;

    @Test
    void writesReadBackThroughHeapDirectAndMisalignedBuffers() throws Exception {
        try (FileVolume v = FileVolume.create(dir.resolve("v.img"), 8 << 20)) {
            byte[] data = new byte[3 * 4096 + 512];
            new Random(1).nextBytes(data);
            VolumeException.await(v.write(512, ByteBuffer.wrap(data), 0, true));

            ByteBuffer heap = ByteBuffer.allocate(data.length);
            VolumeException.await(v.read(512, heap));
            assertThat(heap.array()).isEqualTo(data);

            ByteBuffer direct = ByteBuffer.allocateDirect(data.length + 1).position(1).slice();
            VolumeException.await(v.read(512, direct));
            byte[] back = new byte[data.length];
            direct.flip().get(back);
            assertThat(back).isEqualTo(data);
        }
    }

    /** @return the open flags (octal in /proc/self/fdinfo) of this process's descriptors on {@code file} */
    private static java.util.List<Integer> openFlags(Path file) throws Exception {
        java.util.List<Integer> flags = new java.util.ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (!Files.readSymbolicLink(fd).equals(file)) {
                        continue;
                    }
                    for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo", fd.getFileName().toString()))) {
                        if (line.startsWith("flags:")) {
                            flags.add(Integer.parseInt(line.substring(6).trim(), 8));
                        }
                    }
                } catch (java.io.IOException gone) {
                    // a descriptor closed while we looked (the listing's own, another thread's)
                }
            }
        }
        return flags;
    }

    @Test
    void aWriteThroughVolumeIsOpenedODsyncAndReadsBackWhatItWrote() throws Exception {
        Path p = dir.resolve("log.img");
        FileVolume.create(p, 1 << 20).close();
        try (FileVolume v = FileVolume.openWriteThrough(p, 1)) {
            assertThat(openFlags(p.toRealPath())).as("flags of the descriptors on %s", p).singleElement()
                    .satisfies(f -> assertThat(f & dev.pfs.nativeio.LinuxIo.O_DSYNC).isNotZero());
            byte[] data = new byte[4096];
            new Random(3).nextBytes(data);
            v.writeAndWait(4096, ByteBuffer.wrap(data), 0, true);
            ByteBuffer back = ByteBuffer.allocate(4096);
            VolumeException.await(v.read(4096, back));
            assertThat(back.array()).isEqualTo(data);
            assertThat(v.toString()).contains("O_DSYNC");
        }
    }

    @Test
    void callerThreadModeCompletesEachRequestBeforeReturningAndFailsAfterClose() throws Exception {
        Path p = dir.resolve("v.img");
        FileVolume.create(p, 1 << 20).close();
        FileVolume v = FileVolume.open(p, true, FileVolume.CALLER_THREAD);
        byte[] data = new byte[4096];
        new Random(2).nextBytes(data);
        var write = v.write(8192, ByteBuffer.wrap(data), 0, true);
        assertThat(write).isDone();
        ByteBuffer back = ByteBuffer.allocate(4096);
        assertThat(v.read(8192, back)).isDone();
        assertThat(back.array()).isEqualTo(data);
        assertThat(v.write(100, ByteBuffer.allocate(512))).isCompletedExceptionally();
        v.close();
        assertThatThrownBy(() -> VolumeException.await(v.flush()))
                .isInstanceOfSatisfying(VolumeException.class,
                        e -> assertThat(e.kind()).isEqualTo(VolumeException.Kind.CLOSED));
    }

    @Test
    void writeZeroesAndDiscardReadAsZeros() throws Exception {
        try (FileVolume v = FileVolume.create(dir.resolve("v.img"), 1 << 20)) {
            byte[] ones = new byte[65536];
            java.util.Arrays.fill(ones, (byte) 1);
            VolumeException.await(v.write(0, ByteBuffer.wrap(ones)));
            VolumeException.await(v.writeZeroes(4096, 8192, 0));
            VolumeException.await(v.discard(32768, 4096));
            ByteBuffer back = ByteBuffer.allocate(65536);
            VolumeException.await(v.read(0, back));
            assertThat(back.array()[4095]).isEqualTo((byte) 1);
            assertThat(java.util.Arrays.copyOfRange(back.array(), 4096, 12288)).containsOnly(0);
            assertThat(java.util.Arrays.copyOfRange(back.array(), 32768, 36864)).containsOnly(0);
            assertThat(back.array()[36864]).isEqualTo((byte) 1);
        }
    }

    @Test
    void allocationReportsWrittenRangesAsDataAndTrimmedOrUntouchedOnesAsHoles() throws Exception {
        try (FileVolume v = FileVolume.create(dir.resolve("v.img"), 4 << 20)) {
            VolumeException.await(v.write(1 << 20, ByteBuffer.allocate(256 << 10)));
            VolumeException.await(v.write(2 << 20, ByteBuffer.allocate(256 << 10)));
            VolumeException.await(v.discard(2 << 20, 256 << 10));
            // (create() wrote the last byte to set the size: the volume's last block is data.)
            var map = VolumeException.await(v.allocation(0, 3 << 20));
            assertThat(map).containsExactly(
                    new Extent(0, 1 << 20, false),
                    new Extent(1 << 20, 256 << 10, true),
                    new Extent((1 << 20) + (256 << 10), (2 << 20) - (256 << 10), false));
            assertThat(VolumeException.await(v.allocation((1 << 20) + 4096, 8192)))
                    .containsExactly(new Extent((1 << 20) + 4096, 8192, true));
            assertThat(v.allocation(4 << 20, 512)).isCompletedExceptionally();
        }
    }

    @Test
    void theDefaultAllocationMapIsAllData() throws Exception {
        try (FileVolume file = FileVolume.create(dir.resolve("v.img"), 1 << 20)) {
            BlockVolume plain = new ForwardingVolume(file) {
            };
            assertThat(VolumeException.await(plain.allocation(4096, 8192)))
                    .containsExactly(new Extent(4096, 8192, true));
            assertThat(plain.allocation(1 << 20, 512)).isCompletedExceptionally();
        }
    }

    @Test
    void resizeGrowsTheFile() throws Exception {
        Path p = dir.resolve("v.img");
        try (FileVolume v = FileVolume.create(p, 1 << 20)) {
            VolumeException.await(v.resize(2 << 20));
            assertThat(v.size()).isEqualTo(2 << 20);
            VolumeException.await(v.write((2 << 20) - 512, ByteBuffer.allocate(512)));
        }
        assertThat(Files.size(p)).isEqualTo(2 << 20);
    }

    @Test
    void requestsAfterCloseFailAsClosed() throws Exception {
        FileVolume v = FileVolume.create(dir.resolve("v.img"), 1 << 20);
        v.close();
        assertThatThrownBy(() -> VolumeException.await(v.flush()))
                .isInstanceOfSatisfying(VolumeException.class,
                        e -> assertThat(e.kind()).isEqualTo(VolumeException.Kind.CLOSED));
    }

    @Test
    void rejectsMisalignedWrites() throws Exception {
        try (FileVolume v = FileVolume.create(dir.resolve("v.img"), 1 << 20)) {
            assertThatThrownBy(() -> VolumeException.await(v.write(0, ByteBuffer.allocate(100))))
                    .isInstanceOfSatisfying(VolumeException.class,
                            e -> assertThat(e.kind()).isEqualTo(VolumeException.Kind.MISALIGNED));
        }
    }

    @Test
    void aVolumeOpenedReadOnlyReadsAndRefusesWrites() throws Exception {
        Path file = dir.resolve("ro.img");
        try (FileVolume v = FileVolume.create(file, 1 << 20)) {
            VolumeException.await(v.write(0, ByteBuffer.wrap(new byte[512]).put(0, (byte) 9), 0, true));
        }
        try (FileVolume ro = FileVolume.openReadOnly(file, true, FileVolume.CALLER_THREAD)) {
            ByteBuffer b = ByteBuffer.allocate(512);
            VolumeException.await(ro.read(0, b));
            assertThat(b.get(0)).isEqualTo((byte) 9);
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> VolumeException.await(ro.write(0, ByteBuffer.allocate(512), 0, false)))
                    .isInstanceOf(VolumeException.class);
        }
    }
}
