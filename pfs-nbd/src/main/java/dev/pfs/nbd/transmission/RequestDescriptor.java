package dev.pfs.nbd.transmission;

import io.netty.buffer.ByteBuf;

/**
 * A request of the transmission phase, with its command types and command flags.
 *
 * <pre>
 *  0           4     6     8                   16                  24          28
 *  +-----------+-----+-----+-------------------+-------------------+-----------+
 *  | magic     |flags|type | cookie (handle)   | offset (u64)      |length(u32)|
 *  +-----------+-----+-----+-------------------+-------------------+-----------+
 *  | WRITE only: length bytes of data                                          |
 *  +---------------------------------------------------------------------------+
 * </pre>
 */
public final class RequestDescriptor {
    public static final int MAGIC = 0x25609513;
    public static final int MAGIC_OFFSET = 0;
    public static final int FLAGS_OFFSET = 4;
    public static final int TYPE_OFFSET = 6;
    public static final int COOKIE_OFFSET = 8;
    public static final int OFFSET_OFFSET = 16;
    public static final int LENGTH_OFFSET = 24;
    public static final int HEADER_LENGTH = 28;

    public static final int CMD_READ = 0;
    public static final int CMD_WRITE = 1;
    public static final int CMD_DISC = 2;
    public static final int CMD_FLUSH = 3;
    public static final int CMD_TRIM = 4;
    public static final int CMD_WRITE_ZEROES = 6;
    public static final int CMD_BLOCK_STATUS = 7;

    public static final int FLAG_FUA = 1;
    public static final int FLAG_NO_HOLE = 1 << 1;
    public static final int FLAG_DF = 1 << 2;
    public static final int FLAG_REQ_ONE = 1 << 3;
    public static final int FLAG_FAST_ZERO = 1 << 4;

    /** The block sizes this server advertises: minimum, preferred, maximum (a request's length). */
    public static final int MIN_BLOCK = 512;
    public static final int PREFERRED_BLOCK = 4096;
    public static final int MAX_BLOCK = 32 << 20;

    private RequestDescriptor() {
    }

    /** @return the command flags {@code type} accepts, or -1 for a command this server does not know */
    public static int allowedFlags(int type) {
        return switch (type) {
            case CMD_READ -> FLAG_FUA | FLAG_DF;
            case CMD_WRITE, CMD_TRIM -> FLAG_FUA;
            case CMD_WRITE_ZEROES -> FLAG_FUA | FLAG_NO_HOLE | FLAG_FAST_ZERO;
            case CMD_BLOCK_STATUS -> FLAG_REQ_ONE;
            case CMD_FLUSH, CMD_DISC -> 0;
            default -> -1;
        };
    }

    /** @return whether the header at {@code buf}'s reader index starts with the request magic */
    public static boolean hasMagic(ByteBuf buf) {
        return buf.getInt(buf.readerIndex() + MAGIC_OFFSET) == MAGIC;
    }

    /** @return the payload the header at {@code buf}'s reader index announces (WRITE only) */
    public static long payloadLength(ByteBuf buf) {
        int start = buf.readerIndex();
        return buf.getUnsignedShort(start + TYPE_OFFSET) == CMD_WRITE
                ? buf.getUnsignedInt(start + LENGTH_OFFSET) : 0;
    }
}
