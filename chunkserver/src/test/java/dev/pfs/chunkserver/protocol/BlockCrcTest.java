package dev.pfs.chunkserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.store.ChunkStore;
import io.netty.buffer.Unpooled;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * A write request of whole blocks arrives with its blocks' CRC32Cs, taken in the same pass as the
 * frame's CRC check; that check still catches a flipped byte; other requests carry none.
 */
class BlockCrcTest {
    @Test
    void theDecoderTakesTheBlocksCrcsOfAWholeBlockWrite() {
        byte[] payload = new byte[4 * ChunkFrameDescriptor.CRC_BLOCK];
        new Random(3).nextBytes(payload);
        ChunkMessage m = ChunkMessageDecoder.decode(Unpooled.wrappedBuffer(
                Frames.request(ChunkOp.WRITE, 1, 2, 3, 0, payload.length, payload)));
        try {
            assertThat(m.malformed()).isNull();
            assertThat(m.blockCrcs()).hasSize(4);
            for (int i = 0; i < 4; i++) {
                CRC32C crc = new CRC32C();
                crc.update(payload, i * ChunkFrameDescriptor.CRC_BLOCK, ChunkFrameDescriptor.CRC_BLOCK);
                assertThat(m.blockCrcs()[i]).as("block %d", i).isEqualTo((int) crc.getValue());
            }
        } finally {
            m.release();
        }
    }

    @Test
    void aFlippedByteInABlockIsStillACrcMismatch() {
        byte[] payload = new byte[2 * ChunkFrameDescriptor.CRC_BLOCK];
        byte[] frame = Frames.request(ChunkOp.WRITE, 1, 2, 3, 0, payload.length, payload);
        frame[frame.length - 1000] ^= 1;
        ChunkMessage m = ChunkMessageDecoder.decode(Unpooled.wrappedBuffer(frame));
        assertThat(m.malformed()).contains("CRC32C mismatch");
        assertThat(m.blockCrcs()).isNull();
    }

    @Test
    void otherRequestsCarryNone() {
        ChunkMessage partial = ChunkMessageDecoder.decode(Unpooled.wrappedBuffer(Frames.write(1, 2, 0, 4096, 7)));
        ChunkMessage read = ChunkMessageDecoder.decode(Unpooled.wrappedBuffer(
                Frames.request(ChunkOp.READ, 1, 2, 3, 0, 1 << 20, new byte[0])));
        try {
            assertThat(partial.malformed()).isNull();
            assertThat(partial.blockCrcs()).isNull();
            assertThat(read.malformed()).isNull();
            assertThat(read.blockCrcs()).isNull();
        } finally {
            partial.release();
            read.release();
        }
    }

    @Test
    void theCrcBlockIsTheStoresBlock() {
        assertThat(ChunkFrameDescriptor.CRC_BLOCK).isEqualTo(ChunkStore.BLOCK_SIZE);
    }
}
