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
 *  | type  | flags | reserved(16)  | payload length|               |
 *  +-------+-------+---------------+---------------+               |
 *  |                      group (i64)                              |
 *  |                      term  (i64)                              |
 *  |                      index (i64)                              |
 *  |                      chunk id (i64)                           |
 *  |                      writer epoch (i64)                       |
 *  |                      offset in chunk (i64)                    |
 *  |                      length (i64)                             |
 *  |  crc32c (u32)                 |  reserved (u32)               |
 *  +---------------------------------------------------------------+ 72
 *  | payload (WRITE only)                                          |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * One WAL holds the records of many replication groups: {@code group} names the group (one
 * per chunk, as in PolarFS) and {@code (term, index)} is the record's slot in that group's
 * log. A single node leaves the term 0 and takes the index from one counter for all groups,
 * which is increasing within each group; ParallelRaft fills both from the leader. No physical
 * block numbers are logged: each replica allocates its own blocks when it applies a record,
 * so many groups share one server's bitmap. The CRC32C covers the header with the CRC field
 * zero and the payload. Little-endian.
 */
public final class WalRecordDescriptor {
    /** Bytes in the fixed header. */
    public static final int HEADER_LENGTH = 72;

    public static final int TYPE_OFFSET = 0;
    public static final int FLAGS_OFFSET = 1;
    public static final int PAYLOAD_LENGTH_OFFSET = 4;
    public static final int GROUP_OFFSET = 8;
    public static final int TERM_OFFSET = 16;
    public static final int INDEX_OFFSET = 24;
    public static final int CHUNK_ID_OFFSET = 32;
    public static final int EPOCH_OFFSET = 40;
    public static final int OFFSET_OFFSET = 48;
    public static final int LENGTH_OFFSET = 56;
    public static final int CRC_OFFSET = 64;

    private WalRecordDescriptor() {
    }

    /** @return the total length of a record with a payload of {@code payloadLength} bytes */
    public static int recordLength(int payloadLength) {
        return HEADER_LENGTH + payloadLength;
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
        long total = HEADER_LENGTH + Integer.toUnsignedLong(b.getInt(start + PAYLOAD_LENGTH_OFFSET));
        if (total > limit - start) {
            return "record of " + total + " bytes overruns its frame";
        }
        if (computeCrc(buf, start, (int) total) != b.getInt(start + CRC_OFFSET)) {
            return "record CRC mismatch";
        }
        return null;
    }
}
