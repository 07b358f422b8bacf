package dev.pfs.chunkserver.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.protocol.Statuses;
import dev.pfs.chunkserver.store.ChunkStore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * CREATE of any size on the real server over a socket: a size above the configured chunk size
 * or the capacity, or not a positive multiple of the block size, gets a clear status, is not
 * logged, and the server goes on serving every chunk, also after a restart.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CreateSizeTest {
    private static final int BLOCKS = 64;
    private static final long CHUNK = 1 << 20;

    @TempDir
    Path dir;
    private LoopbackChunkServer cs;

    @BeforeEach
    void start() throws Exception {
        cs = LoopbackChunkServer.start(dir, BLOCKS, 8, CHUNK, 1);
    }

    @AfterEach
    void stop() {
        cs.close();
    }

    private void writeAndReadBack(long chunk, int value) throws Exception {
        ByteBuffer src = ByteBuffer.allocateDirect(4096);
        for (int i = 0; i < 4096; i++) {
            src.put(i, (byte) value);
        }
        cs.client.write(chunk, 0, 0, src, true).get(10, TimeUnit.SECONDS);
        ByteBuffer back = ByteBuffer.allocate(4096);
        cs.client.read(chunk, 0, back).get(10, TimeUnit.SECONDS);
        assertThat(back.array()).containsOnly(value);
    }

    @Test
    void aCreateOfAnySizeIsAnsweredAndTheServerKeepsServing() throws Exception {
        cs.client.create(1, 0).get();
        long capacity = (long) BLOCKS * ChunkStore.BLOCK_SIZE;
        long[] sizes = {1L << 62, 1L << 59, Long.MAX_VALUE, Long.MIN_VALUE, -ChunkStore.BLOCK_SIZE,
            CHUNK + ChunkStore.BLOCK_SIZE, capacity + ChunkStore.BLOCK_SIZE, 1000};
        for (long size : sizes) {
            assertThat(Statuses.of(cs.client.create(2, size))).as("CREATE of %d bytes", size)
                    .isIn(ChunkStatus.OUT_OF_RANGE, ChunkStatus.MISALIGNED);
            writeAndReadBack(1, (int) (size & 0x7f));
        }
        assertThat(cs.store.failure()).isNull();
        cs.client.create(2, CHUNK).get();
        writeAndReadBack(2, 5);
        cs.restart();
        assertThat(cs.store.failure()).isNull();
        writeAndReadBack(1, 6);
        writeAndReadBack(2, 7);
        assertThat(cs.client.stat(2).get().size()).isEqualTo(CHUNK);
    }
}
