package dev.pfs.nbd.handshake;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.List;

/**
 * Cuts the handshake's byte stream: first the client's 4-byte flags (as {@link ClientFlags}),
 * then option frames (header and data, as one ByteBuf). Option data over
 * {@link OptionDescriptor#MAX_DATA} is skipped as it arrives, never buffered, and reported as an
 * {@link OversizedOption}; the options after it still decode. A frame without the IHAVEOPT magic
 * cannot be resynchronised: it fails with {@link CorruptedFrameException}, after which every
 * byte is dropped until the handler has closed the connection.
 */
public final class OptionFrameDecoder extends ByteToMessageDecoder {
    private boolean flagsRead;
    private boolean unframeable;
    private long skipping;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
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
        if (!flagsRead) {
            if (in.readableBytes() >= GreetingDescriptor.CLIENT_FLAGS_LENGTH) {
                flagsRead = true;
                out.add(new ClientFlags(in.readInt()));
            }
            return;
        }
        if (in.readableBytes() < OptionDescriptor.HEADER_LENGTH) {
            return;
        }
        int start = in.readerIndex();
        if (in.getLong(start + OptionDescriptor.MAGIC_OFFSET) != GreetingDescriptor.IHAVEOPT) {
            unframeable = true;
            long magic = in.getLong(start + OptionDescriptor.MAGIC_OFFSET);
            in.skipBytes(in.readableBytes());
            throw new CorruptedFrameException(String.format("option without IHAVEOPT magic (0x%016x)", magic));
        }
        long length = in.getUnsignedInt(start + OptionDescriptor.LENGTH_OFFSET);
        if (length > OptionDescriptor.MAX_DATA) {
            int option = in.getInt(start + OptionDescriptor.OPTION_OFFSET);
            in.skipBytes(OptionDescriptor.HEADER_LENGTH);
            skipping = length;
            out.add(new OversizedOption(option, length));
            return;
        }
        if (in.readableBytes() >= OptionDescriptor.HEADER_LENGTH + length) {
            out.add(in.readRetainedSlice(OptionDescriptor.HEADER_LENGTH + (int) length));
        }
    }
}
