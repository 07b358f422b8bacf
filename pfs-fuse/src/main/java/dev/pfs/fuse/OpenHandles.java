package dev.pfs.fuse;

import dev.pfs.core.DirEntry;
import dev.pfs.core.Errno;
import dev.pfs.core.PfsException;
import dev.pfs.fuse.kernel.FuseReply;
import dev.pfs.fuse.kernel.FuseReplyDescriptor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The file handles the kernel holds: one per OPEN, OPENDIR or CREATE until its RELEASE. A
 * handle names its node (whose pin does the I/O) and, for a directory, the listing READDIR
 * pages through.
 *
 * <p>On a RW mount a file is opened with FOPEN_KEEP_CACHE: every change of its data passes
 * through this kernel (writes, truncates, fallocate and copy_file_range, which the kernel
 * invalidates itself), so the pages it holds cannot be stale, and dropping them on each open
 * (what the kernel does without the flag) only sends the next reads to libpfs. A RO mount
 * follows another writer and keeps dropping them on open.
 */
final class OpenHandles {
    /** An open file or directory: its node, the open flags and, for a directory, a listing. */
    static final class Handle {
        final NodeTable.Node node;
        final int flags;
        volatile List<DirEntry> listing;

        Handle(NodeTable.Node node, int flags) {
            this.node = node;
            this.flags = flags;
        }
    }

    private final Map<Long, Handle> handles = new ConcurrentHashMap<>();
    private final AtomicLong nextHandle = new AtomicLong(1);
    private final int fileOpenFlags;

    /** @param keepCache whether opened files keep their cached pages (RW mounts) */
    OpenHandles(boolean keepCache) {
        this.fileOpenFlags = keepCache ? FuseReplyDescriptor.FOPEN_KEEP_CACHE : 0;
    }

    /**
     * Opens a handle on node {@code n} and writes the fuse_open_out at {@code at}, then sends the
     * reply; {@code directory} for OPENDIR.
     */
    void sendOpen(FuseReply reply, int at, NodeTable.Node n, int flags, boolean directory) {
        long fh = nextHandle.getAndIncrement();
        handles.put(fh, new Handle(n, flags));
        reply.putLong(at + FuseReplyDescriptor.OPEN_FH, fh)
                .putInt(at + FuseReplyDescriptor.OPEN_FLAGS, directory ? 0 : fileOpenFlags)
                .putInt(at + FuseReplyDescriptor.OPEN_FLAGS + 4, 0);
        reply.send(at + FuseReplyDescriptor.OPEN_LENGTH);
    }

    /** @return the handle {@code fh}, or EBADF */
    Handle get(long fh) throws PfsException {
        Handle h = handles.get(fh);
        if (h == null) {
            throw new PfsException(Errno.EBADF, "no open file handle " + fh);
        }
        return h;
    }

    /** RELEASE / RELEASEDIR: the kernel closed its last descriptor of handle {@code fh}. */
    void release(long fh) {
        handles.remove(fh);
    }
}
