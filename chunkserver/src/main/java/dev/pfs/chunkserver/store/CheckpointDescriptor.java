package dev.pfs.chunkserver.store;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Layout of a checkpoint of the store's metadata: the free-block bitmap, every chunk with its
 * block map, and every volume's writer epoch, as of a point where the data volume was flushed. The meta volume
 * holds two slots, written alternately; recovery takes the valid one with the higher
 * sequence, so a torn checkpoint write leaves the previous one.
 *
 * <pre>
 *  0               8               16              24              32
 *  +---------------+-------+-------+-------------------------------+
 *  | magic "PCKP"  |version| rsvd  |  checkpoint sequence (i64)    |
 *  +---------------+-------+-------+-------------------------------+
 *  | next WAL frame sequence (i64) |  next record index (i64)      |
 *  +---------------+---------------+---------------+---------------+
 *  | data blocks   | chunk count   | body length   | crc32c        |
 *  +---------------+---------------+---------------+---------------+
 *  | volume count  | written limit | reserved (8 bytes)            |
 *  +---------------+-----------------------------------------------+ 64
 *  | bitmap: ceil(blocks / 64) x u64                               |
 *  | per chunk: id i64, size i64, mapped u32, rsvd u32             |
 *  |            mapped x (chunk block u32, data block u32)         |
 *  | per volume: volume id i64, highest writer epoch i64           |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * The written limit is a block number: no data block at or above it was written since format
 * (0 in checkpoints of pfs before redirect-on-write, whose free blocks were all zeroed).
 * The CRC32C covers the header with the CRC field zero and the body. Little-endian. A store
 * fences at most as many volumes as it holds chunks, so the slot is sized for both at format.
 */
public final class CheckpointDescriptor {
    /** "PCKP" as a little-endian int. */
    public static final int MAGIC = 0x504B4350;
    /** Version 2: epochs per volume, not per chunk. */
    public static final short VERSION = 2;
    /** Bytes in the header. */
    public static final int HEADER_LENGTH = 64;
    /** Bytes of a chunk entry before its mappings. */
    public static final int CHUNK_ENTRY_LENGTH = 24;
    /** Bytes per volume entry. */
    public static final int VOLUME_ENTRY_LENGTH = 16;
    /** Bytes per mapping. */
    public static final int MAPPING_LENGTH = 8;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int SEQUENCE_OFFSET = 8;
    public static final int NEXT_FRAME_OFFSET = 16;
    public static final int NEXT_INDEX_OFFSET = 24;
    public static final int BLOCKS_OFFSET = 32;
    public static final int CHUNK_COUNT_OFFSET = 36;
    public static final int BODY_LENGTH_OFFSET = 40;
    public static final int CRC_OFFSET = 44;
    public static final int VOLUME_COUNT_OFFSET = 48;
    public static final int WRITTEN_LIMIT_OFFSET = 52;

    private CheckpointDescriptor() {
    }

    /** @return the bytes a slot needs for {@code blocks} data blocks and {@code maxChunks} chunks */
    public static long slotLength(int blocks, int maxChunks) {
        long raw = HEADER_LENGTH + 8L * ((blocks + 63) / 64)
                + (long) (CHUNK_ENTRY_LENGTH + VOLUME_ENTRY_LENGTH) * maxChunks + (long) MAPPING_LENGTH * blocks;
        return (raw + 511) / 512 * 512;
    }

    /** @return how many chunks a slot of {@code slotLength} bytes can describe with {@code blocks} data blocks */
    public static int maxChunks(long slotLength, int blocks) {
        long fixed = HEADER_LENGTH + 8L * ((blocks + 63) / 64) + (long) MAPPING_LENGTH * blocks;
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE,
                (slotLength - fixed) / (CHUNK_ENTRY_LENGTH + VOLUME_ENTRY_LENGTH)));
    }

    /** @return the CRC32C of a checkpoint at the start of {@code buf}, CRC field taken as zero */
    public static int computeCrc(ByteBuffer buf, int bodyLength) {
        CRC32C crc = new CRC32C();
        ByteBuffer b = buf.duplicate();
        b.limit(CRC_OFFSET).position(0);
        crc.update(b);
        crc.update(new byte[4]);
        b.limit(HEADER_LENGTH + bodyLength).position(CRC_OFFSET + 4);
        crc.update(b);
        return (int) crc.getValue();
    }

    /**
     * @param expectedBlocks the data volume's block count
     * @return null if the slot holds a whole, valid checkpoint for this volume, else why not
     */
    public static String check(ByteBuffer slot, int expectedBlocks) {
        ByteBuffer b = slot.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(MAGIC_OFFSET) != MAGIC) {
            return "no checkpoint magic";
        }
        if (b.getShort(VERSION_OFFSET) != VERSION) {
            return "checkpoint version " + b.getShort(VERSION_OFFSET) + ", this pfs reads version " + VERSION
                    + " (a data directory of another pfs version: reformat it)";
        }
        long bodyLength = Integer.toUnsignedLong(b.getInt(BODY_LENGTH_OFFSET));
        if (HEADER_LENGTH + bodyLength > b.capacity()) {
            return "checkpoint body of " + bodyLength + " bytes overruns its slot";
        }
        if (computeCrc(b, (int) bodyLength) != b.getInt(CRC_OFFSET)) {
            return "checkpoint CRC mismatch";
        }
        if (b.getInt(BLOCKS_OFFSET) != expectedBlocks) {
            return "checkpoint is for " + b.getInt(BLOCKS_OFFSET) + " data blocks, the volume has "
                    + expectedBlocks;
        }
        return null;
    }
}
