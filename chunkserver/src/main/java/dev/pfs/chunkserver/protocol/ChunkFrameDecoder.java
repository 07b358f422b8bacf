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
 */
public final class ChunkFrameDecoder extends LengthFieldBasedFrameDecoder {
    private boolean unframeable;

    /** A decoder for frames up to {@link ChunkFrameDescriptor#MAX_FRAME}. */
    public ChunkFrameDecoder() {
        this(ChunkFrameDescriptor.MAX_FRAME);
    }

    /** A decoder for frames up to {@code maxFrame} bytes. */
    public ChunkFrameDecoder(int maxFrame) {
        super(ByteOrder.BIG_ENDIAN, maxFrame, ChunkFrameDescriptor.FRAME_LENGTH_OFFSET, 4, -4, 0, true);
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        if (unframeable) {
            in.skipBytes(in.readableBytes());
            return null;
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
