package dev.pfs.chunkserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.chunkserver.protocol.ChunkStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every malformed input to the decoders, without sockets; after each, a good frame still decodes. */
class ChunkDecoderTest {
    private final EmbeddedChannel ch = new EmbeddedChannel(new ChunkFrameDecoder(), new ChunkMessageDecoder());

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
    }

    private ChunkMessage next() {
        ChunkMessage m = ch.readInbound();
        assertThat(m).isNotNull();
        return m;
    }

    private void assertGoodFrameStillDecodes() {
        ch.writeInbound(Frames.buf(Frames.write(99, 3, 512, 512, 7)));
        ChunkMessage m = next();
        assertThat(m.malformed()).isNull();
        assertThat(m.requestId()).isEqualTo(99);
        assertThat(m.payload().readableBytes()).isEqualTo(512);
        assertThat(m.payload().getByte(511)).isEqualTo((byte) 7);
        m.release();
    }

    private void assertMalformed(byte[] frame, long id, String reason) {
        ch.writeInbound(Frames.buf(frame));
        ChunkMessage m = next();
        assertThat(m.malformed()).contains(reason);
        assertThat(m.requestId()).isEqualTo(id);
        assertThat(m.status()).isEqualTo(ChunkStatus.MALFORMED);
        m.release();
        assertGoodFrameStillDecodes();
    }

    @Test
    void decodesAGoodFrameWithAllFields() {
        ch.writeInbound(Frames.buf(Frames.request(ChunkOp.WRITE, 5, 6, 7, 1024, 3, new byte[] {1, 2, 3})));
        ChunkMessage m = next();
        assertThat(m.malformed()).isNull();
        assertThat(m.op()).isEqualTo(ChunkOp.WRITE);
        assertThat(m.reply()).isFalse();
        assertThat(m.requestId()).isEqualTo(5);
        assertThat(m.chunkId()).isEqualTo(6);
        assertThat(m.epoch()).isEqualTo(7);
        assertThat(m.offset()).isEqualTo(1024);
        assertThat(m.length()).isEqualTo(3);
        assertThat(m.payload().getByte(2)).isEqualTo((byte) 3);
        m.release();
    }

    @Test
    void decodesAFrameArrivingOneByteAtATime() {
        byte[] f = Frames.write(42, 1, 0, 1024, 9);
        for (byte b : f) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        ChunkMessage m = next();
        assertThat(m.requestId()).isEqualTo(42);
        assertThat(m.payload().readableBytes()).isEqualTo(1024);
        m.release();
    }

    @Test
    void badMagicIsMalformedAndTheNextFrameDecodes() {
        byte[] f = Frames.write(11, 1, 0, 512, 1);
        f[ChunkFrameDescriptor.MAGIC_OFFSET] = 0x13;
        assertMalformed(f, 11, "bad magic");
    }

    @Test
    void unknownVersionIsMalformedAndTheNextFrameDecodes() {
        byte[] f = Frames.write(12, 1, 0, 512, 1);
        f[ChunkFrameDescriptor.VERSION_OFFSET] = 9;
        assertMalformed(f, 12, "version 9");
    }

    @Test
    void crcMismatchIsMalformedAndTheNextFrameDecodes() {
        byte[] f = Frames.write(13, 1, 0, 512, 1);
        f[f.length - 1] ^= 1;
        assertMalformed(f, 13, "CRC32C");
    }

    @Test
    void unknownOpIsMalformedAndTheNextFrameDecodes() {
        byte[] f = Frames.write(14, 1, 0, 512, 1);
        f[ChunkFrameDescriptor.OP_OFFSET] = 0x3f;
        assertMalformed(f, 14, "unknown op 63");
    }

    @Test
    void oversizedFrameIsDiscardedUnbufferedAndTheNextFrameDecodes() {
        ByteBuf big = Unpooled.buffer(8).writeInt(ChunkFrameDescriptor.MAX_FRAME + 1).writeInt(0);
        assertThatThrownBy(() -> ch.writeInbound(big)).isInstanceOf(TooLongFrameException.class);
        // the rest of the oversized frame arrives and is skipped
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[ChunkFrameDescriptor.MAX_FRAME + 1 - 8]));
        assertThat((Object) ch.readInbound()).isNull();
        assertGoodFrameStillDecodes();
    }

    @Test
    void negativeLengthCannotBeFramed() {
        ByteBuf bad = Unpooled.buffer(60).writeInt(-5).writeZero(56);
        assertThatThrownBy(() -> ch.writeInbound(bad)).isInstanceOf(CorruptedFrameException.class)
                .hasMessageContaining("-5");
    }

    @Test
    void lengthShorterThanTheHeaderCannotBeFramed() {
        ByteBuf bad = Unpooled.buffer(60).writeInt(10).writeZero(56);
        assertThatThrownBy(() -> ch.writeInbound(bad)).isInstanceOf(CorruptedFrameException.class)
                .hasMessageContaining("shorter than the " + ChunkFrameDescriptor.HEADER_LENGTH + "-byte header");
    }
}
