package dev.pfs.fuse.kernel;

/**
 * The layout of a request read from {@code /dev/fuse}: a {@code fuse_in_header}, then the body
 * of its opcode (fuse_kernel.h, protocol 7.33; all little-endian, fields naturally aligned).
 *
 * <pre>
 *  0               4               8                              16
 * +---------------+---------------+-------------------------------+
 * | len           | opcode        | unique                        |
 * +---------------+---------------+-------------------------------+
 * | nodeid                        | uid           | gid           |
 * +---------------+-------+-------+-------------------------------+
 * | pid           |extlen |  pad  | body (opcode's fuse_*_in) ...
 * +---------------+-------+-------+
 * </pre>
 *
 * Body offsets below are relative to {@link #BODY}. Names in a body are NUL-terminated.
 */
public final class FuseRequestDescriptor {
    public static final int LEN = 0;
    public static final int OPCODE = 4;
    public static final int UNIQUE = 8;
    public static final int NODEID = 16;
    public static final int UID = 24;
    public static final int GID = 28;
    public static final int PID = 32;
    /** Size of fuse_in_header; the body starts here. */
    public static final int BODY = 40;

    /** fuse_forget_in: u64 nlookup. */
    public static final int FORGET_NLOOKUP = 0;
    /** fuse_batch_forget_in: u32 count, u32 dummy, then {u64 nodeid, u64 nlookup} each. */
    public static final int BATCH_FORGET_COUNT = 0;
    public static final int BATCH_FORGET_ENTRIES = 8;
    public static final int FORGET_ONE_SIZE = 16;

    /** fuse_getattr_in: u32 getattr_flags, u32 dummy, u64 fh. */
    public static final int GETATTR_FLAGS = 0;
    public static final int GETATTR_FH = 8;
    public static final int GETATTR_FLAG_FH = 1;

    /**
     * fuse_setattr_in: u32 valid, pad, u64 fh, size, lock_owner, atime, mtime, ctime,
     * u32 atimensec, mtimensec, ctimensec, mode, unused, uid, gid, unused.
     */
    public static final int SETATTR_VALID = 0;
    public static final int SETATTR_FH = 8;
    public static final int SETATTR_SIZE = 16;
    public static final int SETATTR_ATIME = 32;
    public static final int SETATTR_MTIME = 40;
    public static final int SETATTR_ATIMENSEC = 56;
    public static final int SETATTR_MTIMENSEC = 60;
    public static final int SETATTR_MODE = 68;
    public static final int SETATTR_UID = 76;
    public static final int SETATTR_GID = 80;
    public static final int FATTR_MODE = 1;
    public static final int FATTR_UID = 1 << 1;
    public static final int FATTR_GID = 1 << 2;
    public static final int FATTR_SIZE = 1 << 3;
    public static final int FATTR_ATIME = 1 << 4;
    public static final int FATTR_MTIME = 1 << 5;
    public static final int FATTR_FH = 1 << 6;
    public static final int FATTR_ATIME_NOW = 1 << 7;
    public static final int FATTR_MTIME_NOW = 1 << 8;
    /** A truncate by a caller without CAP_FSETID: clear the set-ID bits too (7.33). */
    public static final int FATTR_KILL_SUIDGID = 1 << 11;

    /** fuse_mknod_in: u32 mode, rdev, umask, pad; then the name. */
    public static final int MKNOD_MODE = 0;
    public static final int MKNOD_RDEV = 4;
    public static final int MKNOD_NAME = 16;
    /** fuse_mkdir_in: u32 mode, umask; then the name. */
    public static final int MKDIR_MODE = 0;
    public static final int MKDIR_NAME = 8;
    /** fuse_rename_in: u64 newdir; then old and new names. */
    public static final int RENAME_NEWDIR = 0;
    public static final int RENAME_NAMES = 8;
    /** fuse_rename2_in: u64 newdir, u32 flags, pad; then old and new names. */
    public static final int RENAME2_FLAGS = 8;
    public static final int RENAME2_NAMES = 16;
    /** fuse_link_in: u64 oldnodeid; then the new name. */
    public static final int LINK_OLDNODEID = 0;
    public static final int LINK_NAME = 8;
    /** fuse_open_in: u32 flags, u32 open_flags. */
    public static final int OPEN_FLAGS = 0;
    public static final int OPEN_OPEN_FLAGS = 4;
    /** fuse_open_in / fuse_create_in open_flags: an O_TRUNC open by a caller without CAP_FSETID (7.33). */
    public static final int FUSE_OPEN_KILL_SUIDGID = 1;
    /** fuse_create_in: u32 flags, mode, umask, open_flags; then the name. */
    public static final int CREATE_FLAGS = 0;
    public static final int CREATE_OPEN_FLAGS = 12;
    public static final int CREATE_MODE = 4;
    public static final int CREATE_NAME = 16;
    /** fuse_read_in / fuse_write_in: u64 fh, offset, u32 size, flags, u64 lock_owner, u32 flags, pad. */
    public static final int IO_FH = 0;
    public static final int IO_OFFSET = 8;
    public static final int IO_SIZE = 16;
    public static final int IO_FLAGS = 32;
    /** fuse_write_in.write_flags, and its bit for a write by a caller without CAP_FSETID (7.33). */
    public static final int WRITE_FLAGS = 20;
    public static final int FUSE_WRITE_KILL_SUIDGID = 1 << 2;
    /** Write data follows the 40-byte fuse_write_in. */
    public static final int WRITE_DATA = 40;
    /** fuse_release_in / fuse_flush_in: u64 fh first. */
    public static final int RELEASE_FH = 0;
    /** fuse_fsync_in: u64 fh, u32 fsync_flags (bit 0: datasync). */
    public static final int FSYNC_FH = 0;
    public static final int FSYNC_FLAGS = 8;
    /** fuse_setxattr_in (without SETXATTR_EXT): u32 size, u32 flags; then name and value. */
    public static final int SETXATTR_SIZE = 0;
    public static final int SETXATTR_FLAGS = 4;
    public static final int SETXATTR_NAME = 8;
    /** fuse_getxattr_in: u32 size, pad; then the name (getxattr). */
    public static final int GETXATTR_SIZE = 0;
    public static final int GETXATTR_NAME = 8;
    /** fuse_access_in: u32 mask. */
    public static final int ACCESS_MASK = 0;
    /** fuse_fallocate_in: u64 fh, offset, length, u32 mode. */
    public static final int FALLOCATE_FH = 0;
    public static final int FALLOCATE_OFFSET = 8;
    public static final int FALLOCATE_LENGTH = 16;
    public static final int FALLOCATE_MODE = 24;
    /** fuse_lseek_in: u64 fh, offset, u32 whence. */
    public static final int LSEEK_FH = 0;
    public static final int LSEEK_OFFSET = 8;
    public static final int LSEEK_WHENCE = 16;
    /** fuse_copy_file_range_in: u64 fh_in, off_in, nodeid_out, fh_out, off_out, len, flags. */
    public static final int COPY_FH_IN = 0;
    public static final int COPY_OFF_IN = 8;
    public static final int COPY_FH_OUT = 24;
    public static final int COPY_OFF_OUT = 32;
    public static final int COPY_LEN = 40;
    public static final int COPY_FLAGS = 48;

    private FuseRequestDescriptor() {
    }

    /**
     * Checks a request just read: its length matches what the read returned and covers the header.
     *
     * @return null if valid, else why not
     */
    public static String check(int readLength, int headerLength) {
        if (readLength < BODY) {
            return "request of " + readLength + " bytes is shorter than fuse_in_header";
        }
        if (headerLength != readLength) {
            return "fuse_in_header.len " + headerLength + " but read returned " + readLength;
        }
        return null;
    }
}
