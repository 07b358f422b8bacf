package dev.pfs.core;

/** What an inode is, with the S_IFMT bits of st_mode. */
public enum FileType {
    REGULAR(0100000), DIRECTORY(0040000), SYMLINK(0120000);

    /** The mask of the type bits in st_mode. */
    public static final int S_IFMT = 0170000;
    private final int modeBits;

    FileType(int modeBits) {
        this.modeBits = modeBits;
    }

    /** @return the S_IF* bits of this type */
    public int modeBits() {
        return modeBits;
    }
}
