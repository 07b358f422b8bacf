package dev.pfs.chunkserver.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.util.List;

/**
 * Turns one frame into a {@link ChunkMessage}. A frame with a bad magic, version, op, length
 * field or CRC becomes a malformed message carrying its request id (if the header was there),
 * so the handler can answer MALFORMED and the connection keeps serving.
 */
public final class ChunkMessageDecoder extends MessageToMessageDecoder<ByteBuf> {
    /** A decoder. */
    public ChunkMessageDecoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        out.add(decode(frame));
    }

    /** @return the message in {@code frame} (reader index to writer index), payload retained */
    public static ChunkMessage decode(ByteBuf frame) {
        int start = frame.readerIndex();
        long requestId = frame.readableBytes() >= ChunkFrameDescriptor.REQUEST_ID_OFFSET + 8
                ? frame.getLong(start + ChunkFrameDescriptor.REQUEST_ID_OFFSET) : 0;
        int opByte = frame.readableBytes() > ChunkFrameDescriptor.OP_OFFSET
                ? frame.getByte(start + ChunkFrameDescriptor.OP_OFFSET) & 0xff : 0;
        int payloadLength = frame.readableBytes() - ChunkFrameDescriptor.HEADER_LENGTH;
        // A write request of whole blocks gets its blocks' CRCs, for the REMAP of a redirect.
        int[] blockCrcs = opByte == ChunkOp.WRITE.code() && payloadLength > 0
                && payloadLength % ChunkFrameDescriptor.CRC_BLOCK == 0
                && frame.getInt(start + ChunkFrameDescriptor.FRAME_LENGTH_OFFSET) == frame.readableBytes()
                ? new int[payloadLength / ChunkFrameDescriptor.CRC_BLOCK] : null;
        String bad = ChunkFrameDescriptor.check(frame, blockCrcs);
        if (bad != null) {
            return ChunkMessage.malformed(requestId, bad);
        }
        ChunkStatus status = ChunkStatus.of(frame.getUnsignedShort(start + ChunkFrameDescriptor.STATUS_OFFSET));
        if (status == null) {
            return ChunkMessage.malformed(requestId, "unknown status "
                    + frame.getUnsignedShort(start + ChunkFrameDescriptor.STATUS_OFFSET));
        }
        return new ChunkMessage(ChunkOp.of(opByte & ~ChunkFrameDescriptor.REPLY_BIT),
                (opByte & ChunkFrameDescriptor.REPLY_BIT) != 0, requestId,
                frame.getLong(start + ChunkFrameDescriptor.CHUNK_ID_OFFSET),
                frame.getLong(start + ChunkFrameDescriptor.EPOCH_OFFSET),
                frame.getLong(start + ChunkFrameDescriptor.OFFSET_OFFSET),
                frame.getLong(start + ChunkFrameDescriptor.LENGTH_OFFSET),
                frame.getLong(start + ChunkFrameDescriptor.GENERATION_OFFSET),
                frame.getUnsignedShort(start + ChunkFrameDescriptor.FLAGS_OFFSET), status,
                frame.retainedSlice(start + ChunkFrameDescriptor.HEADER_LENGTH, payloadLength), null, blockCrcs);
    }
}
