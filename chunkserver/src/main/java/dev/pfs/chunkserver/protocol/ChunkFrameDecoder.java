package dev.pfs.chunkserver.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.nio.ByteOrder;

/**
 * Cuts the byte stream into frames by the length field. A length shorter than the header
 * (negative included) means the stream cannot be resynchronised: it fails with
 * {@link CorruptedFrameException} and the connection is closed. A frame over
 * {@link ChunkFrameDescriptor#MAX_FRAME} is discarded without being buffered and reported
 * with a {@link io.netty.handler.codec.TooLongFrameException}; the frames after it still decode.
 * A large frame is gathered into one buffer with its payload aligned for O_DIRECT
 * ({@link AligningCumulator}).
 */
public final class ChunkFrameDecoder extends LengthFieldBasedFrameDecoder {
    private final int maxFrame;
    private final int maxRaftFrame;
    private boolean unframeable;

    /** A decoder for frames up to {@link ChunkFrameDescriptor#MAX_FRAME}. */
    public ChunkFrameDecoder() {
        this(ChunkFrameDescriptor.MAX_FRAME);
    }

    /** A decoder for frames up to {@code maxFrame} bytes. */
    public ChunkFrameDecoder(int maxFrame) {
        this(maxFrame, maxFrame);
    }

    /**
     * A decoder for frames up to {@code maxFrame} bytes, RAFT frames (between servers) up to
     * {@code maxRaftFrame}.
     */
    public ChunkFrameDecoder(int maxFrame, int maxRaftFrame) {
        super(ByteOrder.BIG_ENDIAN, maxFrame, ChunkFrameDescriptor.FRAME_LENGTH_OFFSET, 4, -4, 0, true);
        this.maxFrame = maxFrame;
        this.maxRaftFrame = maxRaftFrame;
        setCumulator(new AligningCumulator(Math.max(maxFrame, maxRaftFrame)));
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        if (unframeable) {
            in.skipBytes(in.readableBytes());
            return null;
        }
        if (maxRaftFrame > maxFrame && in.readableBytes() >= 4) {
            int start = in.readerIndex();
            int length = in.getInt(start + ChunkFrameDescriptor.FRAME_LENGTH_OFFSET);
            if (length > maxFrame && length <= maxRaftFrame) {
                if (in.readableBytes() <= ChunkFrameDescriptor.OP_OFFSET) {
                    return null;
                }
                int op = in.getUnsignedByte(start + ChunkFrameDescriptor.OP_OFFSET) & ~ChunkFrameDescriptor.REPLY_BIT;
                if (op == ChunkOp.RAFT.code()) {
                    return in.readableBytes() < length ? null : in.readRetainedSlice(length);
                }
            }
        }
        try {
            return super.decode(ctx, in);
        } catch (CorruptedFrameException e) {
            // Nothing after a bad length can be framed; drop it all until the connection closes.
            unframeable = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    @Override
    protected long getUnadjustedFrameLength(ByteBuf buf, int offset, int length, ByteOrder order) {
        // Signed, unlike Netty's reading of a 4-byte field, so a negative length is not taken
        // for a 4 GB frame to skip.
        long frameLength = buf.getInt(offset);
        if (frameLength < ChunkFrameDescriptor.HEADER_LENGTH) {
            throw new CorruptedFrameException("frame length " + frameLength + " is shorter than the "
                    + ChunkFrameDescriptor.HEADER_LENGTH + "-byte header");
        }
        return frameLength;
    }
}
