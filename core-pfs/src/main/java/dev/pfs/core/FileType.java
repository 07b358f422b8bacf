package dev.pfs.core;

/** What an inode is, with the S_IFMT bits of st_mode. */
public enum FileType {
    REGULAR(0100000), DIRECTORY(0040000), SYMLINK(0120000),
    /** A named pipe (mkfifo). */
    FIFO(0010000),
    /** A unix-domain socket's name (bind). */
    SOCKET(0140000),
    /** A character device node. */
    CHAR_DEVICE(0020000),
    /** A block device node. */
    BLOCK_DEVICE(0060000);

    /** The mask of the type bits in st_mode. */
    public static final int S_IFMT = 0170000;
    private final int modeBits;

    FileType(int modeBits) {
        this.modeBits = modeBits;
    }

    /** @return the type whose S_IF* bits {@code mode} carries, or null if none */
    public static FileType ofMode(int mode) {
        int t = mode & S_IFMT;
        for (FileType ft : values()) {
            if (ft.modeBits == t) {
                return ft;
            }
        }
        return null;
    }

    /** @return whether this is a FIFO, socket or device: a name with no data of its own */
    public boolean isSpecial() {
        return this == FIFO || this == SOCKET || this == CHAR_DEVICE || this == BLOCK_DEVICE;
    }

    /** @return the S_IF* bits of this type */
    public int modeBits() {
        return modeBits;
    }
}
