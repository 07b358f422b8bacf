package dev.pfs.nbd.transmission;

import dev.pfs.common.volume.Extent;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes the replies of the transmission phase ({@link ReplyDescriptor}). All chunks of one
 * reply are written in one go on the event loop, so chunks of different replies never interleave
 * within a chunk. Read data goes out as its own buffer after a separate header: it is not copied.
 * Nothing here flushes: the caller flushes once for all the replies it wrote in a batch.
 */
final class Replies {
    /** Runs of zeros at least this long (and so aligned) in read data go out as holes. */
    static final int HOLE_GRANULE = RequestDescriptor.PREFERRED_BLOCK;
    /** Longest error message sent; the spec allows 4096 bytes. */
    private static final int MAX_MESSAGE = 1024;

    private Replies() {
    }

    static void simple(ChannelHandlerContext ctx, long cookie, int error) {
        ctx.write(simpleHeader(ctx, cookie, error));
    }

    /** A simple reply to READ: the header, then the data. */
    static void simpleRead(ChannelHandlerContext ctx, long cookie, ByteBuf data) {
        ctx.write(simpleHeader(ctx, cookie, 0));
        ctx.write(data);
    }

    private static ByteBuf simpleHeader(ChannelHandlerContext ctx, long cookie, int error) {
        return ctx.alloc().buffer(ReplyDescriptor.SIMPLE_LENGTH)
                .writeInt(ReplyDescriptor.SIMPLE_MAGIC).writeInt(error).writeLong(cookie);
    }

    /** The final chunk of a structured reply that failed. */
    static void structuredError(ChannelHandlerContext ctx, long cookie, int error, String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(text.length, MAX_MESSAGE);
        ctx.write(chunkHeader(ctx, cookie, ReplyDescriptor.FLAG_DONE, ReplyDescriptor.TYPE_ERROR, 6 + n, 6 + n)
                .writeInt(error).writeShort(n).writeBytes(text, 0, n));
    }

    /**
     * A structured reply to READ: runs of zeros of {@link #HOLE_GRANULE} or more as OFFSET_HOLE
     * chunks, the rest as OFFSET_DATA chunks that share {@code data}'s memory. With DF (no
     * fragmenting) the whole range is one chunk. Takes ownership of {@code data}.
     */
    static void structuredRead(ChannelHandlerContext ctx, long cookie, long offset, ByteBuf data, boolean df) {
        int length = data.readableBytes();
        if (length == 0) {
            data.release();
            ctx.write(chunkHeader(ctx, cookie, ReplyDescriptor.FLAG_DONE, ReplyDescriptor.TYPE_NONE, 0, 0));
            return;
        }
        int base = data.readerIndex();
        int at = 0;
        while (at < length) {
            boolean zero = isZero(data, base + at, Math.min(HOLE_GRANULE, length - at));
            int end = at;
            do {
                end = Math.min(length, end + HOLE_GRANULE);
            } while (end < length && (df || isZero(data, base + end, Math.min(HOLE_GRANULE, length - end)) == zero));
            if (df) {
                zero = zero && isZero(data, base, length);
            }
            int flags = end == length ? ReplyDescriptor.FLAG_DONE : 0;
            if (zero) {
                ctx.write(chunkHeader(ctx, cookie, flags, ReplyDescriptor.TYPE_OFFSET_HOLE, 12, 12)
                        .writeLong(offset + at).writeInt(end - at));
            } else {
                ctx.write(chunkHeader(ctx, cookie, flags, ReplyDescriptor.TYPE_OFFSET_DATA, 8 + end - at, 8)
                        .writeLong(offset + at));
                ctx.write(data.retainedSlice(base + at, end - at));
            }
            at = end;
        }
        data.release();
    }

    private static boolean isZero(ByteBuf data, int from, int length) {
        int i = from;
        int end = from + length;
        for (; i + 8 <= end; i += 8) {
            if (data.getLong(i) != 0) {
                return false;
            }
        }
        for (; i < end; i++) {
            if (data.getByte(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** A BLOCK_STATUS chunk for base:allocation, then the end of the reply. */
    static void blockStatus(ChannelHandlerContext ctx, long cookie, List<Extent> extents) {
        int length = 4 + 8 * extents.size();
        ByteBuf chunk = chunkHeader(ctx, cookie, ReplyDescriptor.FLAG_DONE, ReplyDescriptor.TYPE_BLOCK_STATUS,
                length, length).writeInt(Session.ALLOCATION_CONTEXT_ID);
        for (Extent e : extents) {
            chunk.writeInt((int) e.length())
                    .writeInt(e.data() ? 0 : ReplyDescriptor.STATE_HOLE | ReplyDescriptor.STATE_ZERO);
        }
        ctx.write(chunk);
    }

    /** @param room bytes of the payload that will be written into the returned buffer */
    private static ByteBuf chunkHeader(ChannelHandlerContext ctx, long cookie, int flags, int type, int length,
                                       int room) {
        return ctx.alloc().buffer(ReplyDescriptor.STRUCTURED_LENGTH + room)
                .writeInt(ReplyDescriptor.STRUCTURED_MAGIC).writeShort(flags).writeShort(type)
                .writeLong(cookie).writeInt(length);
    }
}
