package dev.pfs.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.Pfs;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pfs cluster up} asks, at every start, whether the replicated volume is formatted yet:
 * through the switch, during a chunkserver's restart under load. The answer takes its first
 * sector; loading the whole metadata for it took 18.6 s of a 43 s restart under pgbench.
 */
class FormatCheckTest {
    private static final long SIZE = 256L << 20;

    @TempDir
    Path dir;

    /** Counts the bytes read through it. */
    private static final class Counting implements BlockVolume {
        final BlockVolume inner;
        final AtomicLong bytesRead = new AtomicLong();

        Counting(BlockVolume inner) {
            this.inner = inner;
        }

        @Override
        public long size() {
            return inner.size();
        }

        @Override
        public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
            bytesRead.addAndGet(dst.remaining());
            return inner.read(offset, dst);
        }

        @Override
        public CompletableFuture<Void> write(long offset, ByteBuffer src, long epoch, boolean fua) {
            return inner.write(offset, src, epoch, fua);
        }

        @Override
        public CompletableFuture<Void> flush() {
            return inner.flush();
        }

        @Override
        public CompletableFuture<Void> discard(long offset, long length) {
            return inner.discard(offset, length);
        }

        @Override
        public CompletableFuture<Void> writeZeroes(long offset, long length, long epoch) {
            return inner.writeZeroes(offset, length, epoch);
        }

        @Override
        public CompletableFuture<Void> resize(long newSize) {
            return inner.resize(newSize);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @Test
    void aFormattedVolumeIsKnownByItsSuperblockAloneAndABlankOneIsNotFormatted() throws Exception {
        try (Counting blank = new Counting(FileVolume.create(dir.resolve("blank"), SIZE))) {
            assertThat(ClusterUpCommand.holdsPfs(blank)).isFalse();
        }
        try (FileVolume v = FileVolume.create(dir.resolve("formatted"), SIZE)) {
            Pfs.mkfs(v, new MkfsOptions(SIZE, MkfsOptions.DEFAULT_MAX_HOSTS));
        }
        try (Counting formatted = new Counting(FileVolume.open(dir.resolve("formatted")))) {
            assertThat(ClusterUpCommand.holdsPfs(formatted)).isTrue();
            assertThat(formatted.bytesRead.get()).as("bytes read to tell").isEqualTo(BlockVolume.SECTOR_SIZE);
        }
    }
}
