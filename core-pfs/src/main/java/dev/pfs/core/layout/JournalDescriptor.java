package dev.pfs.core.layout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The journal file: a 4 KB header holding the checkpoint anchor, then a circular area of
 * records, each padded to 4 KB. Little-endian.
 *
 * <pre>
 * header (first 512 B sector of the journal file, rewritten whole at each checkpoint):
 *   0 magic "PJNL" | 4 version | 8 generation u64 | 16 anchor seq u64
 *   24 anchor offset u64 (within the record area) | 32 crc32c over [0, 32)
 *
 * record (at a 4 KB boundary of the record area; never wraps, the writer restarts at 0):
 *   0 magic "PJRC" | 4 length u32 (header + entries, before padding) | 8 generation u64
 *   16 seq u64 | 24 entry count u32 | 28 crc32c over [0, length) with this field zero
 *   32 entries: | type u8 | 3 zero | 4 zero u32 | id u64 | old image | new image |
 * </pre>
 * A record belongs to the generation of the checkpoint it follows; each checkpoint (and each
 * RW mount) starts a new generation, so records left over from an older one are never
 * replayed. Replay starts at the anchor and takes records of the anchor's generation with
 * consecutive sequence numbers until one is missing or torn.
 */
public final class JournalDescriptor {
    /** Bytes of the header region. */
    public static final int HEADER_SIZE = 4096;
    /** Records are padded to this. */
    public static final int RECORD_ALIGN = 4096;
    public static final int HEADER_MAGIC = 0x4c4e4a50;
    public static final int RECORD_MAGIC = 0x43524a50;
    public static final int VERSION = 1;

    public static final int H_GENERATION = 8;
    public static final int H_ANCHOR_SEQ = 16;
    public static final int H_ANCHOR_OFFSET = 24;
    public static final int H_CRC = 32;

    public static final int R_LENGTH = 4;
    public static final int R_GENERATION = 8;
    public static final int R_SEQ = 16;
    public static final int R_COUNT = 24;
    public static final int R_CRC = 28;
    public static final int R_ENTRIES = 32;
    public static final int ENTRY_HEADER = 16;

    private JournalDescriptor() {
    }

    /** The checkpoint anchor: replay starts with record {@code seq} at {@code offset}. */
    public record Header(long generation, long anchorSeq, long anchorOffset) {
    }

    /** @return the 512 B header sector */
    public static ByteBuffer encodeHeader(Header h) {
        ByteBuffer b = ByteBuffer.allocateDirect(512).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, HEADER_MAGIC);
        b.putInt(4, VERSION);
        b.putLong(H_GENERATION, h.generation());
        b.putLong(H_ANCHOR_SEQ, h.anchorSeq());
        b.putLong(H_ANCHOR_OFFSET, h.anchorOffset());
        b.putInt(H_CRC, crc(b, H_CRC));
        return b;
    }

    /** @return the header, or null with a reason in the exception message if it is not valid */
    public static Header decodeHeader(ByteBuffer sector, long areaSize) {
        ByteBuffer b = sector.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.position(0);
        if (b.getInt(0) != HEADER_MAGIC || b.getInt(4) != VERSION || b.getInt(H_CRC) != crc(b, H_CRC)) {
            return null;
        }
        Header h = new Header(b.getLong(H_GENERATION), b.getLong(H_ANCHOR_SEQ), b.getLong(H_ANCHOR_OFFSET));
        if (h.anchorOffset() < 0 || h.anchorOffset() % RECORD_ALIGN != 0 || h.anchorOffset() >= areaSize) {
            return null;
        }
        return h;
    }

    /** @return bytes an encoded record of these entries takes, padded */
    public static int paddedLength(int unpadded) {
        return (unpadded + RECORD_ALIGN - 1) / RECORD_ALIGN * RECORD_ALIGN;
    }

    /**
     * Checks a record's fixed header against what replay expects.
     *
     * @return null if plausible, else the reason
     */
    public static String checkRecordHeader(ByteBuffer b, long generation, long seq, long room) {
        if (b.getInt(0) != RECORD_MAGIC) {
            return "no record";
        }
        if (b.getLong(R_GENERATION) != generation || b.getLong(R_SEQ) != seq) {
            return "generation " + b.getLong(R_GENERATION) + " seq " + b.getLong(R_SEQ);
        }
        int len = b.getInt(R_LENGTH);
        if (len < R_ENTRIES || len > room) {
            return "length " + len;
        }
        return null;
    }

    /** @return whether the record's CRC matches (the buffer holds at least its length) */
    public static boolean checkRecordCrc(ByteBuffer b) {
        int len = b.getInt(R_LENGTH);
        int stored = b.getInt(R_CRC);
        CRC32C c = new CRC32C();
        ByteBuffer d = b.duplicate();
        d.position(0).limit(R_CRC);
        c.update(d);
        c.update(new byte[4]);
        d.limit(len).position(R_CRC + 4);
        c.update(d);
        return (int) c.getValue() == stored;
    }

    /** Seals a record: writes its CRC. */
    public static void sealRecord(ByteBuffer b) {
        b.putInt(R_CRC, 0);
        int len = b.getInt(R_LENGTH);
        CRC32C c = new CRC32C();
        ByteBuffer d = b.duplicate();
        d.position(0).limit(len);
        c.update(d);
        b.putInt(R_CRC, (int) c.getValue());
    }

    private static int crc(ByteBuffer b, int upTo) {
        CRC32C c = new CRC32C();
        ByteBuffer d = b.duplicate();
        d.position(0).limit(upTo);
        c.update(d);
        return (int) c.getValue();
    }
}
