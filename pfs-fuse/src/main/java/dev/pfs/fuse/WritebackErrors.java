package dev.pfs.fuse;

import dev.pfs.core.Errno;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers, per inode, a data-path failure (a failed fsync or write I/O error) so that every
 * later fsync of that file fails too.
 *
 * <p>PostgreSQL treats a failed fsync as "data may be lost" and PANICs; if the next fsync
 * succeeded after the kernel or the file system dropped the dirty data, a checkpoint would
 * complete over lost writes (the 2018 "fsyncgate"). Once a file lost a write, it keeps
 * reporting it for the life of this mount. ENOSPC is not sticky: nothing was lost, the write
 * was refused, and the database recovers once space is freed.
 */
final class WritebackErrors {
    private final Map<Long, Errno> failedInodes = new ConcurrentHashMap<>();

    /** Records that {@code ino} lost data with {@code errno}; ENOSPC and EROFS are not losses. */
    void record(long ino, Errno errno) {
        if (errno != Errno.ENOSPC && errno != Errno.EROFS && errno != Errno.EBADF) {
            failedInodes.putIfAbsent(ino, errno);
        }
    }

    /** @return the error {@code ino} keeps reporting, or null */
    Errno check(long ino) {
        return failedInodes.isEmpty() ? null : failedInodes.get(ino);
    }

    /** @return whether any inode ever failed (a fast path for flush) */
    boolean any() {
        return !failedInodes.isEmpty();
    }
}
