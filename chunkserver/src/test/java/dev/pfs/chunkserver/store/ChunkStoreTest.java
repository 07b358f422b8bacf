package dev.pfs.chunkserver.store;

import static dev.pfs.chunkserver.store.StoreBuffers.filled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FileVolume;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The chunk store's behaviour over real files (O_DIRECT where the file system allows). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChunkStoreTest {
    private static final int BLOCK = ChunkStore.BLOCK_SIZE;

    @TempDir
    Path dir;
    private BlockVolume data;
    private BlockVolume wal;
    private BlockVolume meta;
    private ChunkStore store;

    @BeforeEach
    void format() throws Exception {
        data = FileVolume.create(dir.resolve("data"), 16L * BLOCK);
        wal = FileVolume.create(dir.resolve("wal"), 1 << 20);
        meta = FileVolume.create(dir.resolve("meta"), ChunkStore.metaVolumeSize(data.size(), 16));
        ChunkStore.format(data, meta, 16);
        store = open();
    }

    private ChunkStore open() throws Exception {
        return ChunkStore.open(data, wal, meta, new ChunkStore.Options(1 << 20, 0.5, StoreObserver.NONE));
    }

    private ChunkStore reopen() throws Exception {
        store.close();
        return store = open();
    }

    @AfterEach
    void close() {
        store.close();
        data.close();
        wal.close();
        meta.close();
    }

    private byte[] read(long chunk, long offset, int length) throws Exception {
        return StoreBuffers.read(store, chunk, offset, length);
    }

    private static ChunkStatus statusOf(CompletableFuture<?> f) {
        try {
            f.get();
            return ChunkStatus.OK;
        } catch (ExecutionException e) {
            return ((ChunkException) e.getCause()).status();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void allocatesBlocksOnlyOnFirstWriteAndKeepsTheRestOfAPartialBlock() throws Exception {
        store.create(1, 4L * BLOCK).get();
        assertThat(store.stat(1).get().allocatedBytes()).isZero();
        store.write(1, 0, 0, filled(BLOCK, 7)).get();
        store.write(1, 0, 1024, filled(512, 9)).get();
        assertThat(store.stat(1).get().allocatedBytes()).isEqualTo(BLOCK);
        byte[] got = read(1, 0, BLOCK);
        assertThat(got[1023]).isEqualTo((byte) 7);
        assertThat(got[1024]).isEqualTo((byte) 9);
        assertThat(got[1536]).isEqualTo((byte) 7);
        assertThat(read(1, BLOCK, 512)).containsOnly(0);
    }

    @Test
    void survivesRestartWithDataMapAndBitmap() throws Exception {
        store.create(5, 4L * BLOCK).get();
        store.write(5, 3, 2L * BLOCK + 4096, filled(8192, 0x5a)).get();
        reopen();
        assertThat(read(5, 2L * BLOCK + 4096, 8192)).containsOnly(0x5a);
        assertThat(read(5, 2L * BLOCK, 4096)).containsOnly(0);
        assertThat(store.stat(5).get().epoch()).isEqualTo(3);
        assertThat(store.blockUsage()[0]).isEqualTo(1);
    }

    @Test
    void writeZeroesFreesWholeBlocksAndZeroesPartialOnes() throws Exception {
        store.create(1, 4L * BLOCK).get();
        store.write(1, 0, 0, filled(2 * BLOCK, 1)).get();
        store.writeZeroes(1, 0, 512, BLOCK + 512).get();
        assertThat(read(1, 0, 512)).containsOnly(1);
        assertThat(read(1, 512, BLOCK + 512)).containsOnly(0);
        assertThat(read(1, BLOCK + 1024, BLOCK - 1024)).containsOnly(1);
        store.writeZeroes(1, 0, 0, 2L * BLOCK).get();
        reopen();
        assertThat(store.stat(1).get().allocatedBytes()).isZero();
        assertThat(store.blockUsage()[0]).isZero();
    }

    @Test
    void fullStoreAnswersNoSpaceChangesNothingAndResumesAfterDiscard() throws Exception {
        store.create(1, 16L * BLOCK).get();
        store.create(2, 4L * BLOCK).get();
        for (int b = 0; b < 16; b++) {
            store.write(1, 0, (long) b * BLOCK, filled(BLOCK, 3)).get();
        }
        assertThat(statusOf(store.write(2, 0, 0, filled(512, 4)))).isEqualTo(ChunkStatus.NO_SPACE);
        assertThat(read(2, 0, 512)).containsOnly(0);
        assertThat(read(1, 0, 16 * BLOCK)).containsOnly(3);
        store.writeZeroes(1, 0, 0, BLOCK).get();
        store.write(2, 0, 0, filled(512, 4)).get();
        assertThat(read(2, 0, 512)).containsOnly(4);
        assertThat(read(1, 0, BLOCK)).containsOnly(0);
    }

    @Test
    void rejectsMisalignedOutOfRangeAndUnknownChunks() throws Exception {
        store.create(1, BLOCK).get();
        assertThat(statusOf(store.write(1, 0, 100, filled(512, 1)))).isEqualTo(ChunkStatus.MISALIGNED);
        assertThat(statusOf(store.write(1, 0, BLOCK, filled(512, 1)))).isEqualTo(ChunkStatus.OUT_OF_RANGE);
        assertThat(statusOf(store.read(9, 0, ByteBuffer.allocate(512)))).isEqualTo(ChunkStatus.UNKNOWN_CHUNK);
        assertThat(statusOf(store.create(1, BLOCK))).isEqualTo(ChunkStatus.EXISTS);
        assertThat(statusOf(store.create(2, 1000))).isEqualTo(ChunkStatus.MISALIGNED);
        assertThat(store.blockUsage()[0]).isZero();
    }

    @Test
    void refusesAChangeLargerThanTheWalCanHoldWithoutFailing() throws Exception {
        store.create(1, 16L * BLOCK).get();
        assertThat(statusOf(store.write(1, 0, 0, filled(16 * BLOCK, 1)))).isEqualTo(ChunkStatus.OUT_OF_RANGE);
        store.write(1, 0, 0, filled(512, 2)).get();
        assertThat(store.failure()).isNull();
    }

    @Test
    void refusesOlderEpochAlsoAfterRestart() throws Exception {
        store.create(1, BLOCK).get();
        store.write(1, 7, 0, filled(512, 1)).get();
        assertThat(statusOf(store.write(1, 6, 0, filled(512, 2)))).isEqualTo(ChunkStatus.STALE_EPOCH);
        assertThat(statusOf(store.writeZeroes(1, 6, 0, 512))).isEqualTo(ChunkStatus.STALE_EPOCH);
        assertThat(statusOf(store.delete(1, 6))).isEqualTo(ChunkStatus.STALE_EPOCH);
        reopen();
        assertThat(statusOf(store.write(1, 6, 0, filled(512, 2)))).isEqualTo(ChunkStatus.STALE_EPOCH);
        assertThat(read(1, 0, 512)).containsOnly(1);
        store.write(1, 8, 0, filled(512, 3)).get();
        assertThat(read(1, 0, 512)).containsOnly(3);
        assertThat(statusOf(store.write(1, 0, 0, filled(512, 4)))).as("no epoch once one was seen")
                .isEqualTo(ChunkStatus.STALE_EPOCH);
        assertThat(store.stat(1).get().epoch()).isEqualTo(8);
    }

    @Test
    void manyConcurrentWritesShareWalSyncsAndCheckpointsReclaimTheWal() throws Exception {
        store.create(1, 16L * BLOCK).get();
        CompletableFuture<?>[] all = new CompletableFuture<?>[2000];
        for (int i = 0; i < all.length; i++) {
            all[i] = store.write(1, 0, (i % 2048) * 512L, filled(512, i % 2048 % 250 + 1));
        }
        CompletableFuture.allOf(all).get();
        reopen();
        for (int i = 0; i < 2000; i += 97) {
            assertThat(read(1, i * 512L, 512)).containsOnly(i % 250 + 1);
        }
    }

    @Test
    void deleteFreesAllBlocksOfTheChunk() throws Exception {
        store.create(1, 4L * BLOCK).get();
        store.write(1, 0, 0, filled(3 * BLOCK, 1)).get();
        store.delete(1, 0).get();
        assertThat(statusOf(store.stat(1))).isEqualTo(ChunkStatus.UNKNOWN_CHUNK);
        reopen();
        assertThat(store.blockUsage()[0]).isZero();
        assertThatThrownBy(() -> store.stat(1).get()).hasCauseInstanceOf(ChunkException.class);
    }

    @Test
    void mapAndBitmapOfAFullTenGigabyteChunkFitInOneMegabyte() {
        long bytes = ChunkStore.metadataBytesPerChunk(10L << 30);
        System.out.println("metadata bytes per fully written 10 GiB chunk: " + bytes);
        assertThat(bytes).isLessThanOrEqualTo(1 << 20);
    }
}
