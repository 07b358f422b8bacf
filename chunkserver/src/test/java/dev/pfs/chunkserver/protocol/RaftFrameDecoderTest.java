package dev.pfs.chunkserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import org.junit.jupiter.api.Test;

/**
 * The server's frame decoder takes RAFT frames between servers up to
 * {@link ChunkFrameDescriptor#MAX_RAFT_FRAME} (a merge response can exceed a client frame), arriving
 * in pieces, while any other op above {@link ChunkFrameDescriptor#MAX_FRAME} is still discarded.
 */
class RaftFrameDecoderTest {
    private final EmbeddedChannel ch = new EmbeddedChannel(
            new ChunkFrameDecoder(ChunkFrameDescriptor.MAX_FRAME, ChunkFrameDescriptor.MAX_RAFT_FRAME),
            new ChunkMessageDecoder());

    @Test
    void aLargeRaftFrameDecodesEvenInPieces() {
        byte[] payload = new byte[3 << 20];
        payload[payload.length - 1] = 7;
        byte[] frame = Frames.request(ChunkOp.RAFT, 0, 42, 0, 0, payload.length, payload);
        for (int at = 0; at < frame.length; ) {
            int n = Math.min(at == 0 ? 5 : 1 << 20, frame.length - at);
            ch.writeInbound(Unpooled.wrappedBuffer(frame, at, n));
            at += n;
        }
        ChunkMessage m = ch.readInbound();
        assertThat(m.malformed()).isNull();
        assertThat(m.op()).isEqualTo(ChunkOp.RAFT);
        assertThat(m.chunkId()).isEqualTo(42);
        assertThat(m.payload().readableBytes()).isEqualTo(payload.length);
        assertThat(m.payload().getByte(m.payload().readerIndex() + payload.length - 1)).isEqualTo((byte) 7);
        m.release();
    }

    @Test
    void aLargeFrameOfAnotherOpIsStillDiscarded() {
        byte[] payload = new byte[2 << 20];
        byte[] frame = Frames.request(ChunkOp.WRITE, 1, 42, 0, 0, payload.length, payload);
        assertThatThrownBy(() -> ch.writeInbound(Unpooled.wrappedBuffer(frame)))
                .isInstanceOf(TooLongFrameException.class);
        ch.writeInbound(Unpooled.wrappedBuffer(Frames.write(2, 1, 0, 512, 1)));
        ChunkMessage next = ch.readInbound();
        assertThat(next.requestId()).isEqualTo(2);
        next.release();
    }
}
