package dev.pfs.chunkserver.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/** Test helpers that build frames as plain bytes. */
public final class Frames {
    private Frames() {
    }

    public static byte[] request(ChunkOp op, long id, long chunk, long epoch, long offset, long length, byte[] payload) {
        ByteBuf f = ChunkFrameEncoder.encode(ByteBufAllocator.DEFAULT, op, false, id, chunk, epoch, offset, length, 0, 0,
                ChunkStatus.OK, Unpooled.wrappedBuffer(payload));
        byte[] out = new byte[f.readableBytes()];
        f.readBytes(out);
        f.release();
        return out;
    }

    public static byte[] write(long id, long chunk, long offset, int length, int value) {
        byte[] p = new byte[length];
        java.util.Arrays.fill(p, (byte) value);
        return request(ChunkOp.WRITE, id, chunk, 0, offset, length, p);
    }

    public static ByteBuf buf(byte[]... parts) {
        return Unpooled.wrappedBuffer(parts);
    }
}
