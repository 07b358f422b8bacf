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

    /** Opens a handle on node {@code n} and writes the fuse_open_out at {@code at}, then sends the reply. */
    void sendOpen(FuseReply reply, int at, NodeTable.Node n, int flags) {
        long fh = nextHandle.getAndIncrement();
        handles.put(fh, new Handle(n, flags));
        reply.putLong(at + FuseReplyDescriptor.OPEN_FH, fh).putInt(at + FuseReplyDescriptor.OPEN_FLAGS, 0)
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
