package dev.pfs.chunkserver.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * Builds frames. A payload is not copied: the header and the payload go out as one
 * composite buffer, and the CRC32C is computed over both in place.
 */
public final class ChunkFrameEncoder {
    private ChunkFrameEncoder() {
    }

    /**
     * @param payload the payload, whose ownership passes to the returned frame (may be empty)
     * @return a frame ready to write
     */
    public static ByteBuf encode(ByteBufAllocator alloc, ChunkOp op, boolean reply, long requestId, long chunkId,
                                 long epoch, long offset, long length, long generation, int flags,
                                 ChunkStatus status, ByteBuf payload) {
        ByteBuf header = alloc.buffer(ChunkFrameDescriptor.HEADER_LENGTH);
        header.writeInt(ChunkFrameDescriptor.HEADER_LENGTH + payload.readableBytes());
        header.writeShort(ChunkFrameDescriptor.MAGIC);
        header.writeByte(ChunkFrameDescriptor.VERSION);
        header.writeByte(op.code() | (reply ? ChunkFrameDescriptor.REPLY_BIT : 0));
        header.writeLong(requestId);
        header.writeLong(chunkId);
        header.writeLong(epoch);
        header.writeLong(offset);
        header.writeLong(length);
        header.writeLong(generation);
        header.writeShort(flags);
        header.writeShort(status.code());
        header.writeInt(0);
        if (!payload.isReadable()) {
            payload.release();
            header.setInt(ChunkFrameDescriptor.CRC_OFFSET, ChunkFrameDescriptor.computeCrc(header));
            return header;
        }
        CompositeByteBuf frame = alloc.compositeBuffer(2).addComponents(true, header, payload);
        frame.setInt(ChunkFrameDescriptor.CRC_OFFSET, ChunkFrameDescriptor.computeCrc(frame));
        return frame;
    }
}
