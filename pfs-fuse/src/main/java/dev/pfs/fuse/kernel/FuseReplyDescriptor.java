package dev.pfs.fuse.kernel;

/**
 * The layout of a reply written to {@code /dev/fuse}: a {@code fuse_out_header}, then the
 * opcode's {@code fuse_*_out} (fuse_kernel.h, protocol 7.33). Offsets of the bodies are
 * relative to {@link #BODY}.
 *
 * <pre>
 * fuse_out_header            fuse_attr (88 bytes)
 *  0 len    u32               0 ino    8 size   16 blocks  24 atime  32 mtime  40 ctime
 *  4 error  s32 (-errno)     48 atimensec  52 mtimensec  56 ctimensec  60 mode  64 nlink
 *  8 unique u64              68 uid  72 gid  76 rdev  80 blksize  84 flags
 *
 * fuse_entry_out (128): 0 nodeid  8 generation  16 entry_valid  24 attr_valid
 *                       32 entry_valid_nsec  36 attr_valid_nsec  40 fuse_attr
 * fuse_attr_out (104):  0 attr_valid  8 attr_valid_nsec  16 fuse_attr
 * fuse_open_out (16):   0 fh  8 open_flags
 * fuse_dirent:          0 ino  8 off  16 namelen  20 type  24 name, padded to 8
 * fuse_direntplus:      fuse_entry_out, then fuse_dirent
 * </pre>
 *
 * A notification is a reply with {@code unique} 0 and the notify code in {@code error}.
 */
public final class FuseReplyDescriptor {
    public static final int LEN = 0;
    public static final int ERROR = 4;
    public static final int UNIQUE = 8;
    /** Size of fuse_out_header. */
    public static final int BODY = 16;

    public static final int ATTR_INO = 0;
    public static final int ATTR_SIZE = 8;
    public static final int ATTR_BLOCKS = 16;
    public static final int ATTR_ATIME = 24;
    public static final int ATTR_MTIME = 32;
    public static final int ATTR_CTIME = 40;
    public static final int ATTR_ATIMENSEC = 48;
    public static final int ATTR_MTIMENSEC = 52;
    public static final int ATTR_CTIMENSEC = 56;
    public static final int ATTR_MODE = 60;
    public static final int ATTR_NLINK = 64;
    public static final int ATTR_UID = 68;
    public static final int ATTR_GID = 72;
    public static final int ATTR_RDEV = 76;
    public static final int ATTR_BLKSIZE = 80;
    public static final int ATTR_LENGTH = 88;

    public static final int ENTRY_NODEID = 0;
    public static final int ENTRY_GENERATION = 8;
    public static final int ENTRY_VALID = 16;
    public static final int ENTRY_ATTR_VALID = 24;
    public static final int ENTRY_VALID_NSEC = 32;
    public static final int ENTRY_ATTR_VALID_NSEC = 36;
    public static final int ENTRY_ATTR = 40;
    public static final int ENTRY_LENGTH = 128;

    public static final int ATTR_OUT_VALID = 0;
    public static final int ATTR_OUT_VALID_NSEC = 8;
    public static final int ATTR_OUT_ATTR = 16;
    public static final int ATTR_OUT_LENGTH = 104;

    public static final int OPEN_FH = 0;
    public static final int OPEN_FLAGS = 8;
    public static final int OPEN_LENGTH = 16;
    /** fuse_open_out.open_flags: bypass the page cache for this open file. */
    public static final int FOPEN_DIRECT_IO = 1;
    /** fuse_open_out.open_flags: keep cached pages across this open. */
    public static final int FOPEN_KEEP_CACHE = 1 << 1;

    /** fuse_write_out: u32 size, pad. */
    public static final int WRITE_LENGTH = 8;

    /** fuse_getxattr_out (the answer to a size-0 GETXATTR or LISTXATTR): u32 size, pad. */
    public static final int GETXATTR_LENGTH = 8;

    /** fuse_statfs_out / fuse_kstatfs (80 bytes). */
    public static final int STATFS_BLOCKS = 0;
    public static final int STATFS_BFREE = 8;
    public static final int STATFS_BAVAIL = 16;
    public static final int STATFS_FILES = 24;
    public static final int STATFS_FFREE = 32;
    public static final int STATFS_BSIZE = 40;
    public static final int STATFS_NAMELEN = 44;
    public static final int STATFS_FRSIZE = 48;
    public static final int STATFS_LENGTH = 80;

    public static final int DIRENT_INO = 0;
    public static final int DIRENT_OFF = 8;
    public static final int DIRENT_NAMELEN = 16;
    public static final int DIRENT_TYPE = 20;
    public static final int DIRENT_NAME = 24;

    /** Notify codes and bodies. */
    public static final int NOTIFY_INVAL_INODE = 2;
    public static final int NOTIFY_INVAL_ENTRY = 3;
    /** fuse_notify_inval_inode_out: u64 ino, s64 off, s64 len. */
    public static final int INVAL_INODE_LENGTH = 24;
    /** fuse_notify_inval_entry_out: u64 parent, u32 namelen, u32 flags; then name and NUL. */
    public static final int INVAL_ENTRY_NAME = 16;

    private FuseReplyDescriptor() {
    }

    /** @return the size of a fuse_dirent with a name of {@code nameLength} bytes, padded to 8 */
    public static int direntSize(int nameLength) {
        return (DIRENT_NAME + nameLength + 7) & ~7;
    }
}
