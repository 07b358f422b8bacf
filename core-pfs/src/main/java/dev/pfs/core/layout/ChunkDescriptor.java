package dev.pfs.core.layout;

/**
 * Where everything of a chunk lies. The volume is cut into chunks of {@code chunkSize}; each
 * starts with its metaobject area (inode, direntry and block tag sectors, 4 KB each) followed
 * by its data blocks. Chunk 0 first holds the superblock, the paxos file and the journal file.
 *
 * <pre>
 * chunk 0:  | superblock 4K | paxos file | journal file | inodes | direntries | tags | xattrs |pad| data ...
 * chunk c:  | inodes | direntries | tags | xattrs |pad| data blocks ...         (c * chunkSize)
 * </pre>
 * The xattr area (format version 2) comes last, so a version 1 volume, which has none, keeps
 * every offset.
 * Every chunk has the same number of slots of each kind, so a metaobject id is
 * {@code chunk * perChunk + index} and block tag {@code t} describes data block {@code t}.
 * The last chunk may be partial: it has fewer usable blocks than tag slots. A volume tail too
 * small for a metaobject area and one block is left unused (growfs uses it later).
 */
public final class ChunkDescriptor {
    /** Bytes of a metaobject sector. */
    public static final int META_SECTOR = 4096;

    private final Superblock sb;
    private final long inodeBytes;
    private final long direntBytes;
    private final long tagBytes;
    private final long xattrBytes;
    private final int chunks;

    /** Geometry of the volume {@code sb} describes. */
    public ChunkDescriptor(Superblock sb) {
        this.sb = sb;
        this.inodeBytes = sectorsFor(sb.inodesPerChunk(), MetaType.INODE) * (long) META_SECTOR;
        this.direntBytes = sectorsFor(sb.direntsPerChunk(), MetaType.DIRENT) * (long) META_SECTOR;
        this.tagBytes = sectorsFor(sb.tagsPerChunk(), MetaType.TAG) * (long) META_SECTOR;
        this.xattrBytes = sectorsFor(sb.xattrsPerChunk(), MetaType.XATTR) * (long) META_SECTOR;
        int n = 0;
        while ((long) n * sb.chunkSize() < sb.volumeSize() && blocksIn(n) > 0) {
            n++;
        }
        this.chunks = n;
    }

    private static long sectorsFor(int count, MetaType t) {
        return (count + t.slotsPerSector() - 1) / t.slotsPerSector();
    }

    /** @return the superblock this geometry follows */
    public Superblock superblock() {
        return sb;
    }

    /** @return chunks that hold at least one data block */
    public int chunks() {
        return chunks;
    }

    /** @return the byte offset of chunk {@code c}'s metaobject area */
    public long metaStart(int c) {
        long start = (long) c * sb.chunkSize();
        if (c == 0) {
            start = align(sb.journalOffset() + sb.journalSize(), META_SECTOR);
        }
        return start;
    }

    /** @return bytes of one chunk's metaobject area (without the padding to a block) */
    public long metaBytes() {
        return inodeBytes + direntBytes + tagBytes + xattrBytes;
    }

    /** @return the offset of the first data block of chunk {@code c} */
    public long dataStart(int c) {
        return align(metaStart(c) + metaBytes(), sb.blockSize());
    }

    /** @return usable data blocks of chunk {@code c} within the file system's size */
    public int blocksIn(int c) {
        long end = Math.min((long) (c + 1) * sb.chunkSize(), sb.volumeSize());
        long room = end - dataStart(c);
        return room <= 0 ? 0 : (int) Math.min(sb.tagsPerChunk(), room / sb.blockSize());
    }

    /** @return slots of {@code type} per chunk */
    public int perChunk(MetaType type) {
        return switch (type) {
            case INODE -> sb.inodesPerChunk();
            case DIRENT -> sb.direntsPerChunk();
            case TAG -> sb.tagsPerChunk();
            case XATTR -> sb.xattrsPerChunk();
        };
    }

    /** @return the byte offset of the metaobject sector holding slot {@code id} of {@code type} */
    public long sectorOffset(MetaType type, long id) {
        int per = perChunk(type);
        int chunk = (int) (id / per);
        long index = id % per;
        long area = metaStart(chunk) + switch (type) {
            case INODE -> 0;
            case DIRENT -> inodeBytes;
            case TAG -> inodeBytes + direntBytes;
            case XATTR -> inodeBytes + direntBytes + tagBytes;
        };
        return area + index / type.slotsPerSector() * META_SECTOR;
    }

    /** @return bytes of the area of {@code type} in one chunk */
    public long areaBytes(MetaType type) {
        return switch (type) {
            case INODE -> inodeBytes;
            case DIRENT -> direntBytes;
            case TAG -> tagBytes;
            case XATTR -> xattrBytes;
        };
    }

    /** @return the volume offset of the data block that tag {@code tag} describes */
    public long blockOffset(long tag) {
        int chunk = (int) (tag / sb.tagsPerChunk());
        return dataStart(chunk) + (tag % sb.tagsPerChunk()) * sb.blockSize();
    }

    /** @return whether tag {@code tag} names a usable block of the current size */
    public boolean usableTag(long tag) {
        int chunk = (int) (tag / sb.tagsPerChunk());
        return chunk < chunks() && tag % sb.tagsPerChunk() < blocksIn(chunk);
    }

    /** @return the smallest file system size that holds the fixed regions, one chunk's metaobjects and a block */
    public long minimumSize() {
        return dataStart(0) + sb.blockSize();
    }

    /**
     * Checks that the geometry can hold a file system.
     *
     * @return null if it can, else why not
     */
    public String check() {
        if (minimumSize() > Math.min(sb.chunkSize(), sb.volumeSize())) {
            return "the first chunk (" + Math.min(sb.chunkSize(), sb.volumeSize()) + " bytes) cannot hold the "
                    + "superblock, paxos file, journal, a metaobject area and one block (" + minimumSize() + " bytes)";
        }
        if ((long) sb.tagsPerChunk() * sb.blockSize() > sb.chunkSize()) {
            return "more block tags per chunk (" + sb.tagsPerChunk() + ") than blocks fit";
        }
        return null;
    }

    /** @return {@code v} rounded up to a multiple of {@code a} */
    public static long align(long v, long a) {
        return (v + a - 1) / a * a;
    }
}
