package dev.pfs.core.layout;

import dev.pfs.core.Errno;
import dev.pfs.core.PfsException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The superblock: the first 512 B sector of the volume (the rest of the first 4 KB is zero).
 * It fits in one sector, which the {@code BlockVolume} contract makes atomic, so growfs can
 * rewrite it in place without a torn result; a CRC32C still catches a damaged one.
 *
 * <pre>
 *  0                   8        12       16                               32
 *  +-------------------+--------+--------+--------------------------------+
 *  | magic "PFSVOL01"  | version| length |  volume uuid (msb, lsb)        |
 *  +-------------------+--------+--------+--------------------------------+
 *  32 volumeSize u64 | 40 chunkSize u64 | 48 blockSize u32 | 52 maxHosts u32
 *  56 paxosOffset u64 | 64 paxosSize u64 | 72 journalOffset u64 | 80 journalSize u64
 *  88 inodesPerChunk u32 | 92 direntsPerChunk u32 | 96 tagsPerChunk u32 | 100 xattrsPerChunk u32
 *  104 createdNs u64 | 112 crc32c u32 over bytes [0, 112) | 116 .. 511 zero
 * </pre>
 * Little-endian throughout. Format version 1 has no extended attribute area (offset 100 is
 * zero); version 2 adds one after the block tags of every chunk, leaving every other offset as
 * it was. This code reads both and formats version 2.
 */
public final class SuperblockDescriptor {
    /** "PFSVOL01" as a little-endian long. */
    public static final long MAGIC = ByteBuffer.wrap("PFSVOL01".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
            .order(ByteOrder.LITTLE_ENDIAN).getLong();
    /** The format this code writes and reads. */
    public static final int FORMAT_VERSION = 2;
    /** The first format with an extended attribute area. */
    public static final int XATTR_VERSION = 2;
    /** Bytes reserved for the superblock at offset 0. */
    public static final int REGION_SIZE = 4096;
    /** Bytes of the encoded superblock. */
    public static final int LENGTH = 116;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 8;
    static final int LENGTH_OFFSET = 12;
    static final int UUID_OFFSET = 16;
    static final int VOLUME_SIZE_OFFSET = 32;
    static final int CHUNK_SIZE_OFFSET = 40;
    static final int BLOCK_SIZE_OFFSET = 48;
    static final int MAX_HOSTS_OFFSET = 52;
    static final int PAXOS_OFFSET_OFFSET = 56;
    static final int PAXOS_SIZE_OFFSET = 64;
    static final int JOURNAL_OFFSET_OFFSET = 72;
    static final int JOURNAL_SIZE_OFFSET = 80;
    static final int INODES_OFFSET = 88;
    static final int DIRENTS_OFFSET = 92;
    static final int TAGS_OFFSET = 96;
    static final int XATTRS_OFFSET = 100;
    static final int CREATED_OFFSET = 104;
    static final int CRC_OFFSET = 112;

    private SuperblockDescriptor() {
    }

    /** @return the 512 B sector holding {@code sb} */
    public static ByteBuffer encode(Superblock sb) {
        ByteBuffer b = ByteBuffer.allocateDirect(512).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(MAGIC_OFFSET, MAGIC);
        b.putInt(VERSION_OFFSET, sb.formatVersion());
        b.putInt(LENGTH_OFFSET, LENGTH);
        b.putLong(UUID_OFFSET, sb.uuid().getMostSignificantBits());
        b.putLong(UUID_OFFSET + 8, sb.uuid().getLeastSignificantBits());
        b.putLong(VOLUME_SIZE_OFFSET, sb.volumeSize());
        b.putLong(CHUNK_SIZE_OFFSET, sb.chunkSize());
        b.putInt(BLOCK_SIZE_OFFSET, sb.blockSize());
        b.putInt(MAX_HOSTS_OFFSET, sb.maxHosts());
        b.putLong(PAXOS_OFFSET_OFFSET, sb.paxosOffset());
        b.putLong(PAXOS_SIZE_OFFSET, sb.paxosSize());
        b.putLong(JOURNAL_OFFSET_OFFSET, sb.journalOffset());
        b.putLong(JOURNAL_SIZE_OFFSET, sb.journalSize());
        b.putInt(INODES_OFFSET, sb.inodesPerChunk());
        b.putInt(DIRENTS_OFFSET, sb.direntsPerChunk());
        b.putInt(TAGS_OFFSET, sb.tagsPerChunk());
        b.putInt(XATTRS_OFFSET, sb.xattrsPerChunk());
        b.putLong(CREATED_OFFSET, sb.createdNs());
        b.putInt(CRC_OFFSET, crc(b));
        return b;
    }

    /**
     * Decodes and checks a superblock sector.
     *
     * @param volumeSize the size of the volume it was read from
     * @throws PfsException EINVAL naming what is wrong: not a pfs volume, a newer format, a
     *                      torn or corrupt superblock, or sizes that cannot be
     */
    public static Superblock decode(ByteBuffer sector, long volumeSize) throws PfsException {
        ByteBuffer b = sector.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.position(0);
        if (b.getLong(MAGIC_OFFSET) != MAGIC) {
            throw new PfsException(Errno.EINVAL, "not a pfs volume (no pfs superblock at offset 0)");
        }
        int version = b.getInt(VERSION_OFFSET);
        if (version > FORMAT_VERSION) {
            throw new PfsException(Errno.EINVAL, "the volume has format version " + version
                    + ", newer than this pfs understands (" + FORMAT_VERSION + "); upgrade pfs");
        }
        if (b.getInt(LENGTH_OFFSET) != LENGTH || b.getInt(CRC_OFFSET) != crc(b)) {
            throw new PfsException(Errno.EINVAL, "the pfs superblock is torn or corrupt (checksum mismatch)");
        }
        Superblock sb = new Superblock(version, new UUID(b.getLong(UUID_OFFSET), b.getLong(UUID_OFFSET + 8)),
                b.getLong(VOLUME_SIZE_OFFSET), b.getLong(CHUNK_SIZE_OFFSET), b.getInt(BLOCK_SIZE_OFFSET),
                b.getInt(MAX_HOSTS_OFFSET), b.getLong(PAXOS_OFFSET_OFFSET), b.getLong(PAXOS_SIZE_OFFSET),
                b.getLong(JOURNAL_OFFSET_OFFSET), b.getLong(JOURNAL_SIZE_OFFSET), b.getInt(INODES_OFFSET),
                b.getInt(DIRENTS_OFFSET), b.getInt(TAGS_OFFSET), b.getLong(CREATED_OFFSET), b.getInt(XATTRS_OFFSET));
        check(sb, volumeSize);
        return sb;
    }

    /** Rejects a superblock whose regions overlap, are misaligned or lie past the volume. */
    public static void check(Superblock sb, long volumeSize) throws PfsException {
        String bad = null;
        if (sb.blockSize() < 4096 || Integer.bitCount(sb.blockSize()) != 1) {
            bad = "block size " + sb.blockSize();
        } else if (sb.chunkSize() <= 0 || sb.chunkSize() % sb.blockSize() != 0) {
            bad = "chunk size " + sb.chunkSize();
        } else if (sb.volumeSize() > volumeSize) {
            bad = "file system size " + sb.volumeSize() + " is larger than the volume (" + volumeSize + ")";
        } else if (sb.paxosOffset() < REGION_SIZE || sb.journalOffset() < sb.paxosOffset() + sb.paxosSize()
                || sb.journalOffset() % 4096 != 0 || sb.journalSize() < 2 * JournalDescriptor.HEADER_SIZE
                || sb.journalOffset() + sb.journalSize() > Math.min(sb.chunkSize(), sb.volumeSize())) {
            bad = "paxos/journal regions";
        } else if (sb.inodesPerChunk() <= 0 || sb.direntsPerChunk() <= 0 || sb.tagsPerChunk() <= 0
                || sb.maxHosts() <= 0 || sb.xattrsPerChunk() < 0
                || (sb.formatVersion() < XATTR_VERSION && sb.xattrsPerChunk() != 0)) {
            bad = "metaobject counts";
        }
        if (bad != null) {
            throw new PfsException(Errno.EINVAL, "the pfs superblock is corrupt: impossible " + bad);
        }
    }

    private static int crc(ByteBuffer b) {
        CRC32C c = new CRC32C();
        ByteBuffer d = b.duplicate();
        d.position(0).limit(CRC_OFFSET);
        c.update(d);
        return (int) c.getValue();
    }
}
