package dev.pfs.chunkserver.protocol;

import io.netty.buffer.ByteBuf;
import java.util.zip.CRC32C;

/**
 * Layout of a data-path frame, the same for requests and replies (a reply sets bit 7 of the
 * op and carries a status). Big-endian (network order).
 *
 * <pre>
 *  0               8               16              24              32
 *  +---------------+---------------+-------+-------+---------------+
 *  | frame length  | magic "PF"    |version|  op   |               |
 *  +---------------+---------------+-------+-------+               |
 *  |                    request id (i64)                           |
 *  |                    chunk id (i64)                             |
 *  |                    writer epoch (i64)                         |
 *  |                    offset (i64)                               |
 *  |                    length (i64)                               |
 *  |                    try generation (i64)                       |
 *  +---------------+---------------+-------------------------------+
 *  | flags (u16)   | status (u16)  | crc32c (u32)                  |
 *  +---------------+---------------+-------------------------------+ 64
 *  | payload (WRITE data, READ reply data, STAT reply, error text) |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * The frame length counts the whole frame, header included. {@code length} is the byte count
 * the op is about (bytes to read, the write's payload, the range to zero, the size of a chunk
 * to create). The try generation orders a replicated client's write tries: a REPLICATED_WRITE
 * carries the client's, a STALE_TRY reply the group's ({@code docs/replication.md}, "Late
 * tries"); every other frame carries 0. The CRC32C covers the header with the CRC field zero,
 * and the payload.
 */
public final class ChunkFrameDescriptor {
    /** "PF". */
    public static final short MAGIC = 0x5046;
    /** The protocol version this code speaks. */
    public static final byte VERSION = 2;
    /** Bytes in the fixed header. */
    public static final int HEADER_LENGTH = 64;
    /** Largest payload a frame may carry. */
    public static final int MAX_PAYLOAD = 1 << 20;
    /** Largest frame. */
    public static final int MAX_FRAME = HEADER_LENGTH + MAX_PAYLOAD;
    /**
     * Largest frame of the RAFT op between servers: a ParallelRaft merge response carries every
     * entry a follower holds above the asked index, which can exceed one client frame.
     */
    public static final int MAX_RAFT_FRAME = HEADER_LENGTH + (16 << 20);
    /** The op bit that marks a reply. */
    public static final int REPLY_BIT = 0x80;
    /** Flag: force unit access. */
    public static final int FLAG_FUA = 1;
    /**
     * Flag of a GROUP_CREATE: the volume is being created, so a server that does not hold the
     * group founds it as a voter. Without it only a server that holds the group (or joins it by
     * a membership change) accepts: one whose data was wiped must not vote again.
     */
    public static final int FLAG_FOUNDING = 2;

    public static final int FRAME_LENGTH_OFFSET = 0;
    public static final int MAGIC_OFFSET = 4;
    public static final int VERSION_OFFSET = 6;
    public static final int OP_OFFSET = 7;
    public static final int REQUEST_ID_OFFSET = 8;
    public static final int CHUNK_ID_OFFSET = 16;
    public static final int EPOCH_OFFSET = 24;
    public static final int OFFSET_OFFSET = 32;
    public static final int LENGTH_OFFSET = 40;
    public static final int GENERATION_OFFSET = 48;
    public static final int FLAGS_OFFSET = 56;
    public static final int STATUS_OFFSET = 58;
    public static final int CRC_OFFSET = 60;
    /** The span of the CRCs taken of a request payload's blocks: the chunk store's block. */
    public static final int CRC_BLOCK = 64 * 1024;

    private ChunkFrameDescriptor() {
    }

    /** @return the CRC32C of the frame at {@code buf}'s reader index, CRC field taken as zero */
    public static int computeCrc(ByteBuf buf) {
        int start = buf.readerIndex();
        CRC32C crc = headerCrc(buf);
        int rest = buf.readableBytes() - HEADER_LENGTH;
        for (java.nio.ByteBuffer part : buf.nioBuffers(start + HEADER_LENGTH, rest)) {
            crc.update(part);
        }
        return (int) crc.getValue();
    }

    /** @return a CRC32C that has taken the header at {@code buf}'s reader index, its CRC field as zero */
    private static CRC32C headerCrc(ByteBuf buf) {
        CRC32C crc = new CRC32C();
        crc.update(buf.nioBuffer(buf.readerIndex(), CRC_OFFSET));
        crc.update(new byte[4]);
        return crc;
    }

    /** @return the frame's CRC as {@link #computeCrc} has it, from its header's and its blocks' CRCs, which fill {@code blockCrcs} */
    private static int computeCrcByBlocks(ByteBuf buf, int[] blockCrcs) {
        int start = buf.readerIndex();
        if (buf.readableBytes() - HEADER_LENGTH != (long) blockCrcs.length * CRC_BLOCK) {
            throw new IllegalArgumentException(blockCrcs.length + " block CRCs for a payload of "
                    + (buf.readableBytes() - HEADER_LENGTH) + " bytes");
        }
        CRC32C crc = headerCrc(buf);
        int whole = (int) crc.getValue();
        for (int i = 0; i < blockCrcs.length; i++) {
            crc.reset();
            for (java.nio.ByteBuffer part : buf.nioBuffers(start + HEADER_LENGTH + i * CRC_BLOCK, CRC_BLOCK)) {
                crc.update(part);
            }
            blockCrcs[i] = (int) crc.getValue();
            whole = Crc32c.combine(whole, blockCrcs[i], CRC_BLOCK);
        }
        return whole;
    }

    /**
     * Checks one whole frame (reader index to writer index).
     *
     * @return null if well formed, else why not
     */
    public static String check(ByteBuf frame) {
        return check(frame, null);
    }

    /**
     * Checks one whole frame (reader index to writer index), and with {@code blockCrcs} takes the
     * CRC32C of each {@link #CRC_BLOCK} of its payload on the way: the frame's CRC is checked as
     * their combination, so the payload is read once for both.
     *
     * @param blockCrcs null, or room for the CRC of every block of a payload of whole blocks
     * @return null if well formed (and {@code blockCrcs} filled), else why not
     */
    public static String check(ByteBuf frame, int[] blockCrcs) {
        int start = frame.readerIndex();
        if (frame.readableBytes() < HEADER_LENGTH) {
            return "frame of " + frame.readableBytes() + " bytes is shorter than the header";
        }
        if (frame.getInt(start + FRAME_LENGTH_OFFSET) != frame.readableBytes()) {
            return "frame length field " + frame.getInt(start + FRAME_LENGTH_OFFSET) + " != " + frame.readableBytes();
        }
        if (frame.getShort(start + MAGIC_OFFSET) != MAGIC) {
            return String.format("bad magic 0x%04x", frame.getShort(start + MAGIC_OFFSET));
        }
        if (frame.getByte(start + VERSION_OFFSET) != VERSION) {
            return "unsupported version " + frame.getByte(start + VERSION_OFFSET);
        }
        if (ChunkOp.of(frame.getUnsignedByte(start + OP_OFFSET) & ~REPLY_BIT) == null) {
            return "unknown op " + frame.getUnsignedByte(start + OP_OFFSET);
        }
        int crc = blockCrcs == null ? computeCrc(frame) : computeCrcByBlocks(frame, blockCrcs);
        if (crc != frame.getInt(start + CRC_OFFSET)) {
            return "CRC32C mismatch";
        }
        return null;
    }
}
