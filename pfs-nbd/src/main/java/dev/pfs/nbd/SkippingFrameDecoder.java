package dev.pfs.nbd;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.List;

/**
 * What both NBD frame decoders share: data the server refused is skipped as it arrives, never
 * buffered, and after a frame that cannot be valid (a bad magic) nothing can be framed again, so
 * every later byte is dropped until the handler has closed the connection.
 */
public abstract class SkippingFrameDecoder extends ByteToMessageDecoder {
    private boolean unframeable;
    private long skipping;

    @Override
    protected final void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (unframeable) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (skipping > 0) {
            int n = (int) Math.min(skipping, in.readableBytes());
            in.skipBytes(n);
            skipping -= n;
            return;
        }
        decodeFrame(in, out);
    }

    /** Decodes what starts at {@code in}'s reader index, or returns to wait for more bytes. */
    protected abstract void decodeFrame(ByteBuf in, List<Object> out);

    /** Drops the next {@code length} bytes of the stream as they arrive. */
    protected final void skip(long length) {
        skipping = length;
    }

    /** @return the exception to throw for a stream that cannot be framed any more; drops what is buffered */
    protected final CorruptedFrameException unframeable(ByteBuf in, String why) {
        unframeable = true;
        in.skipBytes(in.readableBytes());
        return new CorruptedFrameException(why);
    }
}
