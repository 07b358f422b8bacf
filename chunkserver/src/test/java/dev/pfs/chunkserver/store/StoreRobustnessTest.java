package dev.pfs.chunkserver.store;

import static dev.pfs.chunkserver.store.StoreBuffers.filled;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.protocol.Statuses;
import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.common.volume.ForwardingVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Requests and faults that used to hang or break the store: a CREATE of any size, an
 * unexpected exception on the store thread, and a host file system that fills up under the
 * sparse data file after a write was acknowledged.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StoreRobustnessTest {
    private static final int BLOCK = ChunkStore.BLOCK_SIZE;
    private static final int BLOCKS = 16;

    private BlockVolume data;
    private BlockVolume wal;
    private BlockVolume meta;
    private ChunkStore store;

    private ChunkStore open(BlockVolume dataVolume, BlockVolume walVolume) throws Exception {
        data = dataVolume;
        wal = walVolume;
        if (meta == null) {
            meta = FaultyVolume.create(ChunkStore.metaVolumeSize(data.size(), 8), 3);
            ChunkStore.format(data, meta, 8);
        }
        store = ChunkStore.open(data, wal, meta, new ChunkStore.Options(1 << 20, 0.5, StoreObserver.NONE));
        return store;
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    private byte[] read(long chunk, long offset, int length) throws Exception {
        return StoreBuffers.read(store, chunk, offset, length);
    }

    @Test
    void createOfAnySizeIsBoundedByTheCapacityAndTheStoreKeepsServing() throws Exception {
        open(FaultyVolume.create((long) BLOCKS * BLOCK, 1), FaultyVolume.create(1 << 20, 2));
        store.create(1, BLOCK).get();
        for (long size : new long[] {1L << 62, 1L << 59, (BLOCKS + 1L) * BLOCK, Long.MIN_VALUE + BLOCK}) {
            assertThat(Statuses.of(store.create(2, size))).as("create of %d bytes", size)
                    .isIn(ChunkStatus.OUT_OF_RANGE, ChunkStatus.MISALIGNED);
        }
        store.write(1, 0, 0, filled(512, 7)).get(10, TimeUnit.SECONDS);
        assertThat(store.failure()).isNull();
        store.close();
        open(data, wal);
        assertThat(read(1, 0, 512)).containsOnly(7);
        assertThat(Statuses.of(store.stat(2))).isEqualTo(ChunkStatus.UNKNOWN_CHUNK);
    }

    /** A log volume whose write throws what no volume should: an unchecked exception. */
    private static final class ThrowingVolume extends ForwardingVolume {
        private volatile boolean armed;

        ThrowingVolume(BlockVolume inner) {
            super(inner);
        }

        @Override
        public CompletableFuture<Void> write(long offset, ByteBuffer src, long epoch, boolean fua) {
            if (armed) {
                throw new IllegalStateException("injected bug in the log volume");
            }
            return inner.write(offset, src, epoch, fua);
        }

        @Override
        public void writeAndWait(long offset, ByteBuffer src, long epoch, boolean fua) throws VolumeException {
            if (armed) {
                throw new IllegalStateException("injected bug in the log volume");
            }
            inner.writeAndWait(offset, src, epoch, fua);
        }
    }

    @Test
    void anUnexpectedExceptionOnTheStoreThreadFailsTheStoreAndEveryLaterRequestIsAnswered() throws Exception {
        ThrowingVolume log = new ThrowingVolume(FaultyVolume.create(1 << 20, 2));
        open(FaultyVolume.create((long) BLOCKS * BLOCK, 1), log);
        store.create(1, BLOCK).get();
        log.armed = true;
        assertThat(Statuses.of(store.write(1, 0, 0, filled(512, 1)))).isEqualTo(ChunkStatus.IO_ERROR);
        assertThat(store.failure()).contains("injected bug in the log volume");
        assertThat(Statuses.of(store.write(1, 0, 512, filled(512, 1)))).isEqualTo(ChunkStatus.IO_ERROR);
        assertThat(Statuses.of(store.stat(1))).isIn(ChunkStatus.IO_ERROR, ChunkStatus.OK);
        assertThat(Statuses.of(store.flush())).isEqualTo(ChunkStatus.IO_ERROR);
    }

    @Test
    void aHostFileSystemThatFillsUpNeverFailsAnAcknowledgedWrite() throws Exception {
        HostFileSystemVolume host = new HostFileSystemVolume(FaultyVolume.create((long) BLOCKS * BLOCK, 1));
        open(host, FaultyVolume.create(4 << 20, 2));
        store.create(1, (long) BLOCKS * BLOCK).get();
        store.write(1, 0, 0, filled(BLOCK, 1)).get(10, TimeUnit.SECONDS);
        host.full(true);
        boolean[] acked = new boolean[BLOCKS];
        acked[0] = true;
        for (int b = 1; b < BLOCKS; b++) {
            ChunkStatus s = Statuses.of(store.write(1, 0, (long) b * BLOCK, filled(BLOCK, b + 1)));
            assertThat(s).as("write of block %d", b).isIn(ChunkStatus.OK, ChunkStatus.NO_SPACE);
            acked[b] = s == ChunkStatus.OK;
        }
        // Let the data writes of the acknowledged changes run, then check nothing failed.
        assertThat(Statuses.of(store.flush())).isEqualTo(ChunkStatus.OK);
        store.close();
        assertThat(host.refusedWrites()).as("data writes the host refused after their acknowledgement").isZero();
        open(data, wal);
        assertThat(store.failure()).isNull();
        for (int b = 0; b < BLOCKS; b++) {
            if (acked[b]) {
                assertThat(read(1, (long) b * BLOCK, BLOCK)).as("block %d", b).containsOnly(b + 1);
            }
        }
        assertThat(host.refusedWrites()).as("replay met ENOSPC").isZero();
    }
}
