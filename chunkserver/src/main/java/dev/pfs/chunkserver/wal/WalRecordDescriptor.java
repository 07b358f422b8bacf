package dev.pfs.chunkserver.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Layout of one WAL record: one change to one chunk, self-checking so that the replication
 * layer can ship and verify a record on its own.
 *
 * <pre>
 *  0               8               16              24              32
 *  +-------+-------+---------------+---------------+---------------+
 *  | type  | flags | reserved(16)  |  allocCount   |               |
 *  +-------+-------+---------------+---------------+               |
 *  |                      index (i64)                              |
 *  |                      term  (i64)                              |
 *  |                      chunk id (i64)                           |
 *  |                      writer epoch (i64)                       |
 *  |                      offset in chunk (i64)                    |
 *  |                      length (i64)                             |
 *  |  crc32c (u32)                 |  payload length (u32)         |
 *  +---------------------------------------------------------------+ 64
 *  | allocCount x (chunk block u32, data block u32)                |
 *  | payload (WRITE only)                                          |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * {@code index} and {@code term} are the replication slot: a single node fills the index with
 * its own sequence number and leaves the term 0; ParallelRaft fills both. The CRC32C covers
 * the header with the CRC field zero, the allocations and the payload. Little-endian.
 */
public final class WalRecordDescriptor {
    /** Bytes in the fixed header. */
    public static final int HEADER_LENGTH = 64;
    /** Bytes per block allocation entry. */
    public static final int ALLOC_LENGTH = 8;

    public static final int TYPE_OFFSET = 0;
    public static final int FLAGS_OFFSET = 1;
    public static final int ALLOC_COUNT_OFFSET = 4;
    public static final int INDEX_OFFSET = 8;
    public static final int TERM_OFFSET = 16;
    public static final int CHUNK_ID_OFFSET = 24;
    public static final int EPOCH_OFFSET = 32;
    public static final int OFFSET_OFFSET = 40;
    public static final int LENGTH_OFFSET = 48;
    public static final int CRC_OFFSET = 56;
    public static final int PAYLOAD_LENGTH_OFFSET = 60;

    private WalRecordDescriptor() {
    }

    /** @return the total length of a record with these parts */
    public static int recordLength(int allocCount, int payloadLength) {
        return HEADER_LENGTH + allocCount * ALLOC_LENGTH + payloadLength;
    }

    /** Computes the CRC32C of the record at {@code start} with the CRC field taken as zero. */
    public static int computeCrc(ByteBuffer buf, int start, int length) {
        CRC32C crc = new CRC32C();
        ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.limit(start + CRC_OFFSET).position(start);
        crc.update(b);
        crc.update(new byte[4]);
        b.limit(start + length).position(start + CRC_OFFSET + 4);
        crc.update(b);
        return (int) crc.getValue();
    }

    /**
     * Checks the record that starts at {@code start} within {@code limit}.
     *
     * @return null if it is well formed and its CRC matches, else why not
     */
    public static String checkRecord(ByteBuffer buf, int start, int limit) {
        if (limit - start < HEADER_LENGTH) {
            return "record header truncated";
        }
        ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (WalRecordType.of(b.get(start + TYPE_OFFSET)) == null) {
            return "unknown record type " + b.get(start + TYPE_OFFSET);
        }
        long allocs = Integer.toUnsignedLong(b.getInt(start + ALLOC_COUNT_OFFSET));
        long payload = Integer.toUnsignedLong(b.getInt(start + PAYLOAD_LENGTH_OFFSET));
        long total = HEADER_LENGTH + allocs * ALLOC_LENGTH + payload;
        if (total > limit - start) {
            return "record of " + total + " bytes overruns its frame";
        }
        if (computeCrc(buf, start, (int) total) != b.getInt(start + CRC_OFFSET)) {
            return "record CRC mismatch";
        }
        return null;
    }
}
