package dev.pfs.fuse;

import static dev.pfs.fuse.kernel.FuseRequestDescriptor.*;

import dev.pfs.core.Errno;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.PfsStatFs;
import dev.pfs.fuse.kernel.FuseReply;
import dev.pfs.fuse.kernel.FuseReplyDescriptor;
import dev.pfs.fuse.kernel.FuseRequest;
import java.time.Instant;

/**
 * GETATTR, SETATTR and STATFS: the attributes of a node (size, mode, owner, times) and of the
 * file system. A node with a pin is changed through it; a symlink, which has none, by path.
 * {@link SetIdBits} decides what a write, truncate or chown makes a file lose.
 */
final class AttributeOps {
    private final Pfs pfs;
    private final NodeLookup lookup;
    private final AttrReplies attrs;
    private final SetIdBits setId;

    AttributeOps(Pfs pfs, NodeLookup lookup, AttrReplies attrs, SetIdBits setId) {
        this.pfs = pfs;
        this.lookup = lookup;
        this.attrs = attrs;
        this.setId = setId;
    }

    void getattr(FuseRequest req, FuseReply reply) throws PfsException {
        attrs.sendAttr(reply, lookup.stat(lookup.node(req.nodeId())));
    }

    /** ACCESS: the kernel ({@code default_permissions}) checked the bits; the node must still exist. */
    void access(FuseRequest req, FuseReply reply) throws PfsException {
        lookup.stat(lookup.node(req.nodeId()));
        reply.send(0);
    }

    void setattr(FuseRequest req, FuseReply reply) throws PfsException {
        NodeTable.Node n = lookup.node(req.nodeId());
        int valid = req.bodyInt(SETATTR_VALID);
        if ((valid & FATTR_SIZE) != 0) {
            long size = req.bodyLong(SETATTR_SIZE);
            if (n.pin >= 0) {
                pfs.ftruncate(n.pin, size);
            } else {
                pfs.truncate(lookup.pathOf(n), size);
            }
        }
        // The kernel flags a truncate by a caller without CAP_FSETID, but also every chown, root's
        // too: a chown's bits are chown's rules (below).
        if ((valid & FATTR_KILL_SUIDGID) != 0 && (valid & (FATTR_UID | FATTR_GID)) == 0) {
            setId.killOnWrite(n, req);
        }
        if ((valid & FATTR_MODE) != 0) {
            if (n.pin < 0) {
                throw new PfsException(Errno.EOPNOTSUPP, "the mode of a symbolic link cannot change");
            }
            pfs.fchmod(n.pin, req.bodyInt(SETATTR_MODE) & 07777);
        }
        if ((valid & (FATTR_UID | FATTR_GID)) != 0) {
            int uid = (valid & FATTR_UID) != 0 ? req.bodyInt(SETATTR_UID) : -1;
            int gid = (valid & FATTR_GID) != 0 ? req.bodyInt(SETATTR_GID) : -1;
            setId.killOnChown(n, req);
            if (n.pin >= 0) {
                pfs.fchown(n.pin, uid, gid);
            } else {
                pfs.lchown(lookup.pathOf(n), uid, gid);
            }
        }
        if ((valid & (FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW | FATTR_MTIME_NOW)) != 0) {
            setTimes(req, n, valid);
        }
        if ((valid & ~FATTR_FH) == 0) {
            // Nothing to set: a chown(-1, -1), or the kernel removing privileges before a write.
            setId.killWithoutChange(n, req);
        }
        attrs.sendAttr(reply, lookup.stat(n));
    }

    private void setTimes(FuseRequest req, NodeTable.Node n, int valid) throws PfsException {
        long now = nowNs();
        long atime = (valid & FATTR_ATIME_NOW) != 0 ? now : (valid & FATTR_ATIME) != 0
                ? req.bodyLong(SETATTR_ATIME) * 1_000_000_000L + req.bodyInt(SETATTR_ATIMENSEC) : -1;
        long mtime = (valid & FATTR_MTIME_NOW) != 0 ? now : (valid & FATTR_MTIME) != 0
                ? req.bodyLong(SETATTR_MTIME) * 1_000_000_000L + req.bodyInt(SETATTR_MTIMENSEC) : -1;
        if (n.pin >= 0) {
            pfs.futimens(n.pin, atime, mtime);
        } else {
            pfs.lutimens(lookup.pathOf(n), atime, mtime);
        }
    }

    private static long nowNs() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    void statfs(FuseReply reply) throws PfsException {
        PfsStatFs fs = pfs.statfs();
        reply.zero(0, FuseReplyDescriptor.STATFS_LENGTH)
                .putLong(FuseReplyDescriptor.STATFS_BLOCKS, fs.totalBlocks())
                .putLong(FuseReplyDescriptor.STATFS_BFREE, fs.freeBlocks())
                .putLong(FuseReplyDescriptor.STATFS_BAVAIL, fs.freeBlocks())
                .putLong(FuseReplyDescriptor.STATFS_FILES, fs.totalInodes())
                .putLong(FuseReplyDescriptor.STATFS_FFREE, fs.freeInodes())
                .putInt(FuseReplyDescriptor.STATFS_BSIZE, (int) fs.blockSize())
                .putInt(FuseReplyDescriptor.STATFS_NAMELEN, fs.nameMax())
                .putInt(FuseReplyDescriptor.STATFS_FRSIZE, (int) fs.blockSize());
        reply.send(FuseReplyDescriptor.STATFS_LENGTH);
    }
}
