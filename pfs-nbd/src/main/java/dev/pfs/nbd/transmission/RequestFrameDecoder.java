package dev.pfs.nbd.transmission;

import dev.pfs.nbd.SkippingFrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Cuts the transmission byte stream into request frames: the 28-byte header, plus the data of
 * a WRITE. A WRITE over {@link RequestDescriptor#MAX_BLOCK} or past the end of the volume is
 * refused before its data arrives: the frame is passed on with the header only (the handler
 * answers it with an error) and the data is skipped as it comes in, never buffered. A header
 * without the request magic cannot be resynchronised: it fails with
 * {@link CorruptedFrameException} and every later byte is dropped until the connection closes.
 */
public final class RequestFrameDecoder extends SkippingFrameDecoder {
    private final LongSupplier volumeSize;

    /** @param volumeSize the export's current size, to refuse writes past its end unread */
    public RequestFrameDecoder(LongSupplier volumeSize) {
        this.volumeSize = volumeSize;
    }

    @Override
    protected void decodeFrame(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < RequestDescriptor.HEADER_LENGTH) {
            return;
        }
        if (!RequestDescriptor.hasMagic(in)) {
            throw unframeable(in, String.format("request without magic (0x%08x)", in.getInt(in.readerIndex())));
        }
        long payload = RequestDescriptor.payloadLength(in);
        if (payload > 0 && refused(in, payload)) {
            out.add(in.readRetainedSlice(RequestDescriptor.HEADER_LENGTH));
            skip(payload);
            return;
        }
        if (in.readableBytes() >= RequestDescriptor.HEADER_LENGTH + payload) {
            out.add(in.readRetainedSlice(RequestDescriptor.HEADER_LENGTH + (int) payload));
        }
    }

    private boolean refused(ByteBuf in, long payload) {
        long offset = in.getLong(in.readerIndex() + RequestDescriptor.OFFSET_OFFSET);
        return payload > RequestDescriptor.MAX_BLOCK || offset < 0 || offset + payload > volumeSize.getAsLong();
    }
}
