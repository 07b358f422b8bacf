package dev.pfs.chunkserver.replication;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What a replicated entry asks of the chunk: its payload in the ParallelRaft log. A WRITE
 * carries the bytes to write at {@code offset}; a READ is a barrier the leader puts in the log so
 * that a read is served only once every overlapping write committed before it is applied. A FENCE
 * raises the group's writer epoch; it carries no data and changes no block.
 *
 * @param kind   WRITE or READ
 * @param epoch      the writer's epoch: a leader refuses a WRITE or FENCE older than an epoch in its log
 * @param generation a WRITE's try generation: a leader refuses a WRITE older than a generation in
 *                   its log, a late try the client may have overtaken since (0 for the others)
 * @param offset     byte offset in the chunk
 * @param length     bytes of the range
 */
record Command(Kind kind, long epoch, long generation, long offset, long length) {
    /** Bytes before a WRITE's data. */
    static final int HEADER = 1 + 8 + 8 + 8 + 8;

    /** What the entry does. */
    enum Kind { WRITE, READ, FENCE }

    /**
     * @return an entry payload: this command followed by {@code data}'s readable bytes (a WRITE's),
     *         copied once, straight from the received frame
     */
    byte[] encode(ByteBuf data) {
        int len = data.readableBytes();
        byte[] out = new byte[HEADER + len];
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).put((byte) kind.ordinal()).putLong(epoch)
                .putLong(generation).putLong(offset).putLong(length);
        data.getBytes(data.readerIndex(), out, HEADER, len);
        return out;
    }

    /** @return the entry payload of a command without data (READ, FENCE) */
    byte[] encode() {
        return encode(Unpooled.EMPTY_BUFFER);
    }

    /** @return the command at the start of an entry payload, or null if it is not one */
    static Command decode(byte[] payload) {
        if (payload.length < HEADER) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        int k = b.get();
        if (k < 0 || k >= Kind.values().length) {
            return null;
        }
        Command c = new Command(Kind.values()[k], b.getLong(), b.getLong(), b.getLong(), b.getLong());
        if (c.kind == Kind.WRITE && c.length != payload.length - HEADER) {
            return null;
        }
        return c;
    }
}
