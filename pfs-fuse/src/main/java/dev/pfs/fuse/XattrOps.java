package dev.pfs.fuse;

import static dev.pfs.fuse.kernel.FuseRequestDescriptor.*;

import dev.pfs.core.Caller;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.fuse.kernel.FuseReply;
import dev.pfs.fuse.kernel.FuseReplyDescriptor;
import dev.pfs.fuse.kernel.FuseRequest;
import java.nio.ByteBuffer;

/**
 * GETXATTR, LISTXATTR, SETXATTR and REMOVEXATTR, stored in libpfs: on the node's pin, or on a
 * symlink itself by path. libpfs checks the namespaces (POSIX ACLs, {@code system.*}, are
 * EOPNOTSUPP) and the permissions that depend on identity.
 */
final class XattrOps {
    private final Pfs pfs;
    private final NodeLookup lookup;

    XattrOps(Pfs pfs, NodeLookup lookup) {
        this.pfs = pfs;
        this.lookup = lookup;
    }

    /**
     * The request's caller. The kernel ({@code default_permissions}) checked the permission bits
     * with all of the caller's groups; libpfs, which sees only the primary gid, checks the rest.
     */
    private static Caller caller(FuseRequest req) {
        return Caller.checkedByKernel(req.uid(), req.gid());
    }

    /** GETXATTR: the value, or with size 0 the size it needs (ERANGE from libpfs when too small). */
    void getxattr(FuseRequest req, FuseReply reply) throws PfsException {
        NodeTable.Node n = lookup.node(req.nodeId());
        String name = req.bodyString(GETXATTR_NAME);
        int size = req.bodyInt(GETXATTR_SIZE);
        ByteBuffer dst = reply.body(0, Math.min(size, reply.capacity()));
        int got = n.pin >= 0 ? pfs.fgetxattr(n.pin, name, dst, caller(req))
                : pfs.getxattr(lookup.pathOf(n), false, name, dst, caller(req));
        sendXattrSize(reply, size, got);
    }

    /** LISTXATTR: the NUL-terminated names, or with size 0 the size they need. */
    void listxattr(FuseRequest req, FuseReply reply) throws PfsException {
        NodeTable.Node n = lookup.node(req.nodeId());
        int size = req.bodyInt(GETXATTR_SIZE);
        ByteBuffer dst = reply.body(0, Math.min(size, reply.capacity()));
        int got = n.pin >= 0 ? pfs.flistxattr(n.pin, dst, caller(req))
                : pfs.listxattr(lookup.pathOf(n), false, dst, caller(req));
        sendXattrSize(reply, size, got);
    }

    /** A size probe is answered with fuse_getxattr_out (u32 size, pad), a read with the bytes themselves. */
    private static void sendXattrSize(FuseReply reply, int asked, int got) {
        if (asked == 0) {
            reply.putInt(0, got).putInt(4, 0);
            reply.send(FuseReplyDescriptor.GETXATTR_LENGTH);
        } else {
            reply.send(got);
        }
    }

    void setxattr(FuseRequest req, FuseReply reply) throws PfsException {
        NodeTable.Node n = lookup.node(req.nodeId());
        String name = req.bodyString(SETXATTR_NAME);
        ByteBuffer value = req.bodyBytes(req.afterString(SETXATTR_NAME), req.bodyInt(SETXATTR_SIZE));
        int flags = req.bodyInt(SETXATTR_FLAGS);
        if (n.pin >= 0) {
            pfs.fsetxattr(n.pin, name, value, flags, caller(req));
        } else {
            pfs.setxattr(lookup.pathOf(n), false, name, value, flags, caller(req));
        }
        reply.send(0);
    }

    void removexattr(FuseRequest req, FuseReply reply) throws PfsException {
        NodeTable.Node n = lookup.node(req.nodeId());
        String name = req.bodyString(0);
        if (n.pin >= 0) {
            pfs.fremovexattr(n.pin, name, caller(req));
        } else {
            pfs.removexattr(lookup.pathOf(n), false, name, caller(req));
        }
        reply.send(0);
    }
}
