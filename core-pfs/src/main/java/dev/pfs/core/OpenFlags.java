package dev.pfs.core;

/** open(2) flags with Linux's values, so FUSE and the CLI can pass them straight through. */
public final class OpenFlags {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_ACCMODE = 03;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_DSYNC = 010000;
    public static final int O_DIRECT = 040000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_SYNC = 04010000;

    /** fallocate(2) mode: do not change the file size. */
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    /** fallocate(2) mode: free the range (with KEEP_SIZE). */
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    /** fallocate(2) mode: make the range read as zeros. */
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;

    /** lseek whence values. */
    public static final int SEEK_SET = 0;
    public static final int SEEK_CUR = 1;
    public static final int SEEK_END = 2;
    /** lseek: the next offset at or after the given one that holds data. */
    public static final int SEEK_DATA = 3;
    /** lseek: the next hole at or after the given offset (the end of the file is one). */
    public static final int SEEK_HOLE = 4;

    /** access(2) modes. */
    public static final int F_OK = 0;
    public static final int X_OK = 1;
    public static final int W_OK = 2;
    public static final int R_OK = 4;

    private OpenFlags() {
    }
}
