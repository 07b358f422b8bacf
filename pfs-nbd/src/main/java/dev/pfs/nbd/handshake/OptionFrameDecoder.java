package dev.pfs.nbd.handshake;

import dev.pfs.nbd.SkippingFrameDecoder;
import io.netty.buffer.ByteBuf;
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
public final class OptionFrameDecoder extends SkippingFrameDecoder {
    private boolean flagsRead;

    @Override
    protected void decodeFrame(ByteBuf in, List<Object> out) {
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
            throw unframeable(in, String.format("option without IHAVEOPT magic (0x%016x)",
                    in.getLong(start + OptionDescriptor.MAGIC_OFFSET)));
        }
        long length = in.getUnsignedInt(start + OptionDescriptor.LENGTH_OFFSET);
        if (length > OptionDescriptor.MAX_DATA) {
            int option = in.getInt(start + OptionDescriptor.OPTION_OFFSET);
            in.skipBytes(OptionDescriptor.HEADER_LENGTH);
            skip(length);
            out.add(new OversizedOption(option, length));
            return;
        }
        if (in.readableBytes() >= OptionDescriptor.HEADER_LENGTH + length) {
            out.add(in.readRetainedSlice(OptionDescriptor.HEADER_LENGTH + (int) length));
        }
    }
}
