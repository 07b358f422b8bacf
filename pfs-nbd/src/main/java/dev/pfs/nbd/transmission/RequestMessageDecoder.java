package dev.pfs.nbd.transmission;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.util.List;

/** Turns a request frame into an {@link NbdRequest}; a WRITE's data becomes a retained slice. */
public final class RequestMessageDecoder extends MessageToMessageDecoder<ByteBuf> {
    /** A decoder. */
    public RequestMessageDecoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        int start = frame.readerIndex();
        int dataLength = frame.readableBytes() - RequestDescriptor.HEADER_LENGTH;
        out.add(new NbdRequest(frame.getUnsignedShort(start + RequestDescriptor.FLAGS_OFFSET),
                frame.getUnsignedShort(start + RequestDescriptor.TYPE_OFFSET),
                frame.getLong(start + RequestDescriptor.COOKIE_OFFSET),
                frame.getLong(start + RequestDescriptor.OFFSET_OFFSET),
                frame.getUnsignedInt(start + RequestDescriptor.LENGTH_OFFSET),
                dataLength > 0 ? frame.retainedSlice(start + RequestDescriptor.HEADER_LENGTH, dataLength) : null));
    }
}
