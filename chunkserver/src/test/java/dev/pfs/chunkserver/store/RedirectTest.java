package dev.pfs.chunkserver.store;

import static dev.pfs.chunkserver.store.StoreBuffers.filled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.common.volume.FaultyVolume;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Redirected writes (whole blocks written FUA to fresh blocks, then a REMAP logged) over the
 * honest fault model: they read back across restarts and power cuts, freed blocks are reused
 * without running the store out of space, and a block a redirect wrote but never mapped is
 * never taken for clean by a later write after a power cut.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedirectTest {
    private static final int BLOCK = ChunkStore.BLOCK_SIZE;
    private static final long CHUNK = 4L * BLOCK;
    private static final ChunkStore.Options OPTIONS = new ChunkStore.Options(1 << 20, 0.5, StoreObserver.NONE)
            .withWriteAhead(4L * BLOCK).withRedirectMin(BLOCK);

    private FaultyVolume data;
    private FaultyVolume wal;
    private FaultyVolume meta;
    private ChunkStore store;

    @BeforeEach
    void format() throws Exception {
        data = FaultyVolume.create(16L * BLOCK, 11);
        wal = FaultyVolume.create(1 << 20, 12);
        meta = FaultyVolume.create(ChunkStore.metaVolumeSize(data.size(), 8), 13);
        ChunkStore.format(data, meta, 8);
        store = ChunkStore.open(data, wal, meta, OPTIONS);
    }

    @AfterEach
    void close() {
        store.close();
    }

    /** The power goes: unflushed writes are kept, dropped or torn; the store recovers from what is left. */
    private void powerCut() throws Exception {
        store.close();
        data = data.restart();
        wal = wal.restart();
        meta = meta.restart();
        store = ChunkStore.open(data, wal, meta, OPTIONS);
    }

    private byte[] read(long chunk, long offset, int length) throws Exception {
        return StoreBuffers.read(store, chunk, offset, length);
    }

    private static byte[] bytes(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    @Test
    void redirectedWritesReadBackAfterAPowerCut() throws Exception {
        store.create(1, CHUNK).get();
        for (int round = 1; round <= 3; round++) {
            store.write(1, 0, 0, filled((int) CHUNK, round)).get();
        }
        assertThat(store.redirectedWrites()).as("whole-block writes past the first were redirected").isPositive();
        assertThat(read(1, 0, (int) CHUNK)).isEqualTo(bytes((int) CHUNK, 3));
        powerCut();
        assertThat(read(1, 0, (int) CHUNK)).as("an acknowledged redirect survives the power cut")
                .isEqualTo(bytes((int) CHUNK, 3));
        assertThat(store.stat(1).get().allocatedBytes()).isEqualTo(CHUNK);
    }

    @Test
    void overwritingMoreThanTheDiskHoldsReusesFreedBlocks() throws Exception {
        store.create(1, CHUNK).get();
        store.create(2, CHUNK).get();
        store.write(2, 0, 0, filled((int) CHUNK, 0x77)).get();
        // 40 overwrites of 4 blocks go through 160 fresh blocks on a 16-block disk.
        for (int round = 1; round <= 40; round++) {
            store.write(1, 0, 0, filled((int) CHUNK, round)).get();
        }
        assertThat(store.redirectedWrites()).isGreaterThan(30);
        assertThat(read(1, 0, (int) CHUNK)).isEqualTo(bytes((int) CHUNK, 40));
        assertThat(read(2, 0, (int) CHUNK)).as("the other chunk's blocks were never reused")
                .isEqualTo(bytes((int) CHUNK, 0x77));
        powerCut();
        assertThat(read(1, 0, (int) CHUNK)).isEqualTo(bytes((int) CHUNK, 40));
        assertThat(read(2, 0, (int) CHUNK)).isEqualTo(bytes((int) CHUNK, 0x77));
    }

    /**
     * On a fresh store a redirect's data lands and the power goes before its REMAP does; the
     * next small write allocates the lowest free block, which may be the one the redirect
     * wrote. The rest of that block must read as zeros. Two things keep it so: a redirect only
     * writes blocks below a written limit that was durable first (so recovery knows such a block
     * may hold stale data, and the small write writes it in full), and a reopened store writes
     * zeros ahead of its highest used block. This test fails when both are gone, not either one.
     */
    @Test
    void aBlockARedirectWroteButNeverMappedIsNotTakenForClean() throws Exception {
        store.create(1, CHUNK).get();
        store.create(2, CHUNK).get();
        wal.powerLossAtWrite(1);
        assertThatThrownBy(() -> store.write(1, 0, 0, filled(BLOCK, 0x5A)).get())
                .hasMessageContaining("power lost");
        powerCut();
        store.write(2, 0, 0, filled(4096, 0x33)).get();
        byte[] block = read(2, 0, BLOCK);
        assertThat(Arrays.copyOfRange(block, 0, 4096)).isEqualTo(bytes(4096, 0x33));
        assertThat(Arrays.copyOfRange(block, 4096, BLOCK)).as("the rest of a newly allocated block")
                .isEqualTo(new byte[BLOCK - 4096]);
        assertThat(read(1, 0, BLOCK)).as("the unacknowledged write is not there").isEqualTo(new byte[BLOCK]);
        powerCut();
        assertThat(read(2, 4096, BLOCK - 4096)).isEqualTo(new byte[BLOCK - 4096]);
    }
}
