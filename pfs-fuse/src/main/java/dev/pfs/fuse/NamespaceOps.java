package dev.pfs.fuse;

import static dev.pfs.fuse.kernel.FuseRequestDescriptor.*;

import dev.pfs.core.Owner;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.PfsStat;
import dev.pfs.fuse.kernel.FuseReply;
import dev.pfs.fuse.kernel.FuseRequest;
import java.nio.charset.StandardCharsets;

/**
 * The calls that look up, make, remove and move names: LOOKUP, MKDIR, MKNOD, SYMLINK, UNLINK, RMDIR, RENAME(2)
 * and LINK, plus READLINK. New inodes are made with their final owner in the same libpfs call
 * (no window in which they belong to root).
 */
final class NamespaceOps {
    private final Pfs pfs;
    private final NodeLookup lookup;
    private final NodeTable nodes;
    private final AttrReplies attrs;
    private final PathLock paths;

    NamespaceOps(Pfs pfs, NodeLookup lookup, NodeTable nodes, AttrReplies attrs, PathLock paths) {
        this.pfs = pfs;
        this.lookup = lookup;
        this.nodes = nodes;
        this.attrs = attrs;
        this.paths = paths;
    }

    /**
     * The owner a new inode gets, as Linux gives it: the caller's uid, and the caller's gid or,
     * in a set-group-ID directory, the directory's group.
     */
    static Owner owner(FuseRequest req, PfsStat dir) {
        return new Owner(req.uid(), (dir.mode() & SetIdBits.S_ISGID) != 0 ? dir.gid() : req.gid());
    }

    void lookup(FuseRequest req, FuseReply reply) throws PfsException {
        attrs.sendEntry(reply, lookup.lookup(req.nodeId(), req.bodyString(0)));
    }

    void mkdir(FuseRequest req, FuseReply reply) throws PfsException {
        long parent = req.nodeId();
        String name = req.bodyString(MKDIR_NAME);
        PfsStat dir = lookup.stat(lookup.node(parent));
        int mode = req.bodyInt(MKDIR_MODE) & 07777;
        // A directory made in a set-group-ID directory is set-group-ID too.
        pfs.mkdir(lookup.childPath(parent, name), mode | (dir.mode() & SetIdBits.S_ISGID), owner(req, dir));
        attrs.sendEntry(reply, lookup.lookup(parent, name));
    }

    void mknod(FuseRequest req, FuseReply reply) throws PfsException {
        long parent = req.nodeId();
        String name = req.bodyString(MKNOD_NAME);
        PfsStat dir = lookup.stat(lookup.node(parent));
        pfs.mknod(lookup.childPath(parent, name), req.bodyInt(MKNOD_MODE), req.bodyInt(MKNOD_RDEV), owner(req, dir));
        attrs.sendEntry(reply, lookup.lookup(parent, name));
    }

    void symlink(FuseRequest req, FuseReply reply) throws PfsException {
        long parent = req.nodeId();
        String name = req.bodyString(0);
        String target = req.bodyString(req.afterString(0));
        PfsStat dir = lookup.stat(lookup.node(parent));
        pfs.symlink(target, lookup.childPath(parent, name), owner(req, dir));
        attrs.sendEntry(reply, lookup.lookup(parent, name));
    }

    void readlink(FuseRequest req, FuseReply reply) throws PfsException {
        byte[] target = pfs.readlink(lookup.pathOf(lookup.node(req.nodeId()))).getBytes(StandardCharsets.UTF_8);
        reply.putBytes(0, target);
        reply.send(target.length);
    }

    /** UNLINK, or RMDIR when {@code dir}. */
    void remove(FuseRequest req, FuseReply reply, boolean dir) throws PfsException {
        long parent = req.nodeId();
        String name = req.bodyString(0);
        String path = lookup.childPath(parent, name);
        if (dir) {
            pfs.rmdir(path);
        } else {
            pfs.unlink(path);
        }
        lookup.removed(parent, name);
        reply.send(0);
    }

    /** RENAME and RENAME2: one atomic libpfs rename, with no path resolved meanwhile. */
    void rename(FuseRequest req, FuseReply reply, long newParent, int namesAt, int flags) throws PfsException {
        String name = req.bodyString(namesAt);
        String newName = req.bodyString(req.afterString(namesAt));
        long parent = req.nodeId();
        paths.exclusive(() -> {
            pfs.rename(lookup.childPath(parent, name), lookup.childPath(newParent, newName), flags);
            if ((flags & Pfs.RENAME_EXCHANGE) != 0) {
                nodes.exchanged(parent, name, newParent, newName);
            } else {
                nodes.renamed(parent, name, newParent, newName);
            }
        });
        reply.send(0);
    }

    void link(FuseRequest req, FuseReply reply) throws PfsException {
        NodeTable.Node old = lookup.node(req.bodyLong(LINK_OLDNODEID));
        long parent = req.nodeId();
        String name = req.bodyString(LINK_NAME);
        String newPath = lookup.childPath(parent, name);
        if (old.pin >= 0) {
            pfs.linkat(old.pin, newPath);
        } else {
            pfs.link(lookup.pathOf(old), newPath);
        }
        attrs.sendEntry(reply, lookup.lookup(parent, name));
    }
}
