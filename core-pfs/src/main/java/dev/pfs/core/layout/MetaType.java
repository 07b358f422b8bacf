package dev.pfs.core.layout;

/** The three kinds of metaobject, with the bytes of one slot of each in a metaobject sector. */
public enum MetaType {
    /** An inode: a file, directory or symlink. */
    INODE(128),
    /** A direntry: (parent inode, name) to a child inode. */
    DIRENT(512),
    /** A block tag: which file block a data block holds. One per data block of a chunk. */
    TAG(32);

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
