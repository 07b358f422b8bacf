package dev.pfs.nbd.handshake;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.util.List;

/** Turns an option frame into an {@link OptionRequest} whose data is a retained slice. */
public final class OptionMessageDecoder extends MessageToMessageDecoder<ByteBuf> {
    /** A decoder. */
    public OptionMessageDecoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        int start = frame.readerIndex();
        out.add(new OptionRequest(frame.getInt(start + OptionDescriptor.OPTION_OFFSET),
                frame.retainedSlice(start + OptionDescriptor.HEADER_LENGTH,
                        frame.readableBytes() - OptionDescriptor.HEADER_LENGTH)));
    }
}
