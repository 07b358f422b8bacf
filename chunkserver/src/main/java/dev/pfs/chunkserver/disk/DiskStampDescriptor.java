package dev.pfs.chunkserver.disk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Layout of the identity stamp a chunkserver writes into its data directory (and WAL
 * directory) at format, and checks at every start, so that a disk is never served by the wrong
 * server, in the wrong cluster, or with a WAL from another disk.
 *
 * <pre>
 *  0               8               16              24              32
 *  +---------------+-------+-------+-------------------------------+
 *  | magic "PDSK"  |version|id len |  server id (i64)              |
 *  +---------------+-------+-------+-------------------------------+
 *  |  disk id (UUID, 16 bytes)                                     |
 *  +---------------------------------------------------------------+
 *  |  cluster id (UTF-8, {@link #CLUSTER_ID_MAX} bytes, zero padded)|
 *  +---------------+-----------------------------------------------+ 96
 *  | crc32c        | reserved (28 bytes)                           |
 *  +---------------+-----------------------------------------------+ 128
 * </pre>
 * The CRC32C covers bytes 0..96. Little-endian.
 */
public final class DiskStampDescriptor {
    /** "PDSK" as a little-endian int. */
    public static final int MAGIC = 0x4B534450;
    /**
     * The format version this code writes and reads. 2: replicated WRITE entries carry a try
     * generation, and the epoch record the group's (a version-1 log would be misread).
     */
    public static final short FORMAT_VERSION = 2;
    /** Bytes in a stamp. */
    public static final int LENGTH = 128;
    /** Longest cluster id in bytes. */
    public static final int CLUSTER_ID_MAX = 64;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int CLUSTER_ID_LENGTH_OFFSET = 6;
    public static final int SERVER_ID_OFFSET = 8;
    public static final int DISK_ID_OFFSET = 16;
    public static final int CLUSTER_ID_OFFSET = 32;
    public static final int CRC_OFFSET = 96;

    private DiskStampDescriptor() {
    }

    /** @return the CRC32C of bytes 0..96 */
    public static int computeCrc(ByteBuffer stamp) {
        CRC32C crc = new CRC32C();
        crc.update(stamp.duplicate().limit(CRC_OFFSET).position(0));
        return (int) crc.getValue();
    }

    /** @return null if {@code stamp} is a whole, valid stamp of this format version, else why not */
    public static String check(ByteBuffer stamp) {
        if (stamp.remaining() != LENGTH) {
            return "stamp is " + stamp.remaining() + " bytes, expected " + LENGTH;
        }
        ByteBuffer b = stamp.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(MAGIC_OFFSET) != MAGIC) {
            return "not a pfs disk stamp (bad magic)";
        }
        if (computeCrc(b) != b.getInt(CRC_OFFSET)) {
            return "stamp CRC mismatch (damaged)";
        }
        if (b.getShort(VERSION_OFFSET) != FORMAT_VERSION) {
            return "format version " + b.getShort(VERSION_OFFSET) + ", this chunkserver reads version "
                    + FORMAT_VERSION;
        }
        if (b.getShort(CLUSTER_ID_LENGTH_OFFSET) < 0 || b.getShort(CLUSTER_ID_LENGTH_OFFSET) > CLUSTER_ID_MAX) {
            return "cluster id length " + b.getShort(CLUSTER_ID_LENGTH_OFFSET) + " invalid";
        }
        return null;
    }
}
