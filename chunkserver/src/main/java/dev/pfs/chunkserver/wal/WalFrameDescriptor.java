package dev.pfs.chunkserver.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Layout of one WAL frame: the records of one group commit, written with one write and made
 * durable with one sync. Frames start on 512 B sector boundaries and are padded to a whole
 * number of sectors, so the log can be written with O_DIRECT.
 *
 * <pre>
 *  0               8               16              24              32
 *  +---------------+-------+-------+---------------+---------------+
 *  | magic "PWAL"  |version| rsvd  | frame length  | record count  |
 *  +---------------+-------+-------+---------------+---------------+
 *  |                   frame sequence (i64)                        |
 *  +---------------+---------------+-------------------------------+
 *  | records length| crc32c        | reserved (32 bytes)           |
 *  +---------------+---------------+-------------------------------+ 64
 *  | records ({@link WalRecordDescriptor}) ... zero padding to 512  |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * The frame sequence numbers frames contiguously across the life of the log, also across a
 * reset to the start of the file after a checkpoint: recovery reads frames from offset 0 while
 * each one carries the sequence it expects next and a matching CRC, and cuts the log at the
 * first that does not (a torn tail, or an older frame from before the last reset). The CRC32C
 * covers the header with the CRC field zero and the records. Little-endian.
 */
public final class WalFrameDescriptor {
    /** "PWAL" read as a little-endian int. */
    public static final int MAGIC = 0x4C415750;
    /** Version 2: records carry a group and no block allocations. */
    public static final short VERSION = 2;
    /** Bytes in the frame header. */
    public static final int HEADER_LENGTH = 64;
    /** Frames are aligned and padded to this. */
    public static final int ALIGNMENT = 512;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int FRAME_LENGTH_OFFSET = 8;
    public static final int RECORD_COUNT_OFFSET = 12;
    public static final int SEQUENCE_OFFSET = 16;
    public static final int RECORDS_LENGTH_OFFSET = 24;
    public static final int CRC_OFFSET = 28;

    private WalFrameDescriptor() {
    }

    /** @return the padded length of a frame holding {@code recordsLength} bytes of records */
    public static int frameLength(int recordsLength) {
        int raw = HEADER_LENGTH + recordsLength;
        return (raw + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** @return the CRC32C of the frame at the start of {@code buf}, CRC field taken as zero */
    public static int computeCrc(ByteBuffer buf, int recordsLength) {
        CRC32C crc = new CRC32C();
        ByteBuffer b = buf.duplicate();
        b.limit(CRC_OFFSET).position(0);
        crc.update(b);
        crc.update(new byte[4]);
        b.limit(HEADER_LENGTH + recordsLength).position(CRC_OFFSET + 4);
        crc.update(b);
        return (int) crc.getValue();
    }

    /**
     * Checks the header in the first sector of a frame.
     *
     * @param expectedSequence the sequence the next frame must carry
     * @param room             bytes left in the log from this frame's offset
     * @return null if the header can start a valid frame, else why not
     */
    public static String checkHeader(ByteBuffer sector, long expectedSequence, long room) {
        ByteBuffer b = sector.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(MAGIC_OFFSET) != MAGIC) {
            return "no frame magic";
        }
        if (b.getShort(VERSION_OFFSET) != VERSION) {
            return "unknown frame version " + b.getShort(VERSION_OFFSET);
        }
        if (b.getLong(SEQUENCE_OFFSET) != expectedSequence) {
            return "frame sequence " + b.getLong(SEQUENCE_OFFSET) + ", expected " + expectedSequence;
        }
        long frameLength = Integer.toUnsignedLong(b.getInt(FRAME_LENGTH_OFFSET));
        long recordsLength = Integer.toUnsignedLong(b.getInt(RECORDS_LENGTH_OFFSET));
        if (frameLength % ALIGNMENT != 0 || frameLength > room || frameLength < ALIGNMENT
                || HEADER_LENGTH + recordsLength > frameLength) {
            return "frame length " + frameLength + " / records " + recordsLength + " invalid";
        }
        return null;
    }

    /** @return null if the whole frame's CRC matches, else why not */
    public static String checkFrame(ByteBuffer frame) {
        ByteBuffer b = frame.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int recordsLength = b.getInt(RECORDS_LENGTH_OFFSET);
        return computeCrc(b, recordsLength) == b.getInt(CRC_OFFSET) ? null : "frame CRC mismatch";
    }
}
