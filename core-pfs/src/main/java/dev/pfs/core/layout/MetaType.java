package dev.pfs.core.layout;

/**
 * The kinds of metaobject, with the bytes of one slot of each in a metaobject sector: the
 * paper's three, and extended attributes (format version 2).
 */
public enum MetaType {
    /** An inode: a file, directory or symlink. */
    INODE(128),
    /** A direntry: (parent inode, name) to a child inode. */
    DIRENT(512),
    /** A block tag: which file block a data block holds. One per data block of a chunk. */
    TAG(32),
    /** A piece of an extended attribute of an inode (none on format version 1 volumes). */
    XATTR(512);

    private final int slotSize;

    MetaType(int slotSize) {
        this.slotSize = slotSize;
    }

    /** @return bytes per slot; a divisor of 512, so a slot never straddles an atomic sector */
    public int slotSize() {
        return slotSize;
    }

    /** @return slots per 4 KB metaobject sector */
    public int slotsPerSector() {
        return ChunkDescriptor.META_SECTOR / slotSize;
    }
}
