package dev.pfs.fuse.kernel;

/**
 * The FUSE_INIT exchange: the kernel's {@code fuse_init_in} and our {@code fuse_init_out}.
 *
 * <pre>
 * fuse_init_in (body)            fuse_init_out (64 bytes)
 *  0 major  u32                   0 major  4 minor  8 max_readahead  12 flags
 *  4 minor  u32                  16 max_background u16  18 congestion_threshold u16
 *  8 max_readahead u32           20 max_write  24 time_gran
 * 12 flags  u32                  28 max_pages u16  30 map_alignment u16  32 flags2  36.. unused
 * </pre>
 *
 * pfs speaks protocol 7.33 (Linux 5.11 and later; older kernels from 7.28 on are talked down
 * to): FUSE_RENAME2, FUSE_LSEEK, max_pages, readdirplus and FUSE_HANDLE_KILLPRIV_V2 are there.
 */
public final class FuseInitDescriptor {
    public static final int IN_MAJOR = 0;
    public static final int IN_MINOR = 4;
    public static final int IN_MAX_READAHEAD = 8;
    public static final int IN_FLAGS = 12;

    public static final int OUT_MAJOR = 0;
    public static final int OUT_MINOR = 4;
    public static final int OUT_MAX_READAHEAD = 8;
    public static final int OUT_FLAGS = 12;
    public static final int OUT_MAX_BACKGROUND = 16;
    public static final int OUT_CONGESTION_THRESHOLD = 18;
    public static final int OUT_MAX_WRITE = 20;
    public static final int OUT_TIME_GRAN = 24;
    public static final int OUT_MAX_PAGES = 28;
    public static final int OUT_LENGTH = 64;

    /** The protocol pfs speaks. */
    public static final int KERNEL_VERSION = 7;
    public static final int KERNEL_MINOR_VERSION = 33;
    /** The oldest minor pfs accepts: 7.28 brought max_pages and copy_file_range. */
    public static final int MIN_MINOR_VERSION = 28;

    public static final int FUSE_ASYNC_READ = 1;
    public static final int FUSE_ATOMIC_O_TRUNC = 1 << 3;
    public static final int FUSE_BIG_WRITES = 1 << 5;
    public static final int FUSE_AUTO_INVAL_DATA = 1 << 12;
    public static final int FUSE_DO_READDIRPLUS = 1 << 13;
    public static final int FUSE_READDIRPLUS_AUTO = 1 << 14;
    public static final int FUSE_ASYNC_DIO = 1 << 15;
    public static final int FUSE_WRITEBACK_CACHE = 1 << 16;
    public static final int FUSE_PARALLEL_DIROPS = 1 << 18;
    public static final int FUSE_MAX_PAGES = 1 << 22;
    /**
     * The daemon clears set-ID bits on write, truncate and chown, told per request: the kernel
     * then sets SB_NOSEC and stops asking GETXATTR security.capability before every write.
     */
    public static final int FUSE_HANDLE_KILLPRIV_V2 = 1 << 28;

    private FuseInitDescriptor() {
    }

    /**
     * Checks the kernel's FUSE_INIT.
     *
     * @return null if pfs can speak to this kernel, else why not
     */
    public static String check(int major, int minor) {
        if (major != KERNEL_VERSION) {
            return "kernel FUSE protocol " + major + "." + minor + ": pfs speaks only major version "
                    + KERNEL_VERSION;
        }
        if (minor < MIN_MINOR_VERSION) {
            return "kernel FUSE protocol 7." + minor + " is older than 7." + MIN_MINOR_VERSION
                    + " (Linux 4.20), which pfs needs";
        }
        return null;
    }
}
