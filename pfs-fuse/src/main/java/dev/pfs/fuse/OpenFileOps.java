package dev.pfs.fuse;

import static dev.pfs.fuse.kernel.FuseRequestDescriptor.*;

import dev.pfs.core.Errno;
import dev.pfs.core.FileType;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Owner;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.PfsStat;
import dev.pfs.fuse.kernel.FuseOpcode;
import dev.pfs.fuse.kernel.FuseReply;
import dev.pfs.fuse.kernel.FuseReplyDescriptor;
import dev.pfs.fuse.kernel.FuseRequest;

/**
 * The life of an open file: OPEN, OPENDIR and CREATE make a handle, FLUSH and FSYNC(DIR)
 * report what the writes through it met, RELEASE(DIR) ends it. Writes are write-through (no
 * kernel writeback cache), so FSYNC is exactly libpfs's fsync.
 */
final class OpenFileOps {
    private final Pfs pfs;
    private final NodeLookup lookup;
    private final AttrReplies attrs;
    private final OpenHandles handles;
    private final SetIdBits setId;
    private final WritebackErrors writebackErrors;

    OpenFileOps(Pfs pfs, NodeLookup lookup, AttrReplies attrs, OpenHandles handles, SetIdBits setId,
                WritebackErrors writebackErrors) {
        this.pfs = pfs;
        this.lookup = lookup;
        this.attrs = attrs;
        this.handles = handles;
        this.setId = setId;
        this.writebackErrors = writebackErrors;
    }

    /** OPEN and OPENDIR: a handle on the node's pin (a symlink has none: ELOOP). */
    void open(FuseRequest req, FuseReply reply) throws PfsException {
        NodeTable.Node n = lookup.node(req.nodeId());
        int flags = req.bodyInt(OPEN_FLAGS);
        if (n.pin < 0) {
            reply.error(Errno.ELOOP.code());
            return;
        }
        if ((flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY && !pfs.isReadWrite()) {
            reply.error(Errno.EROFS.code());
            return;
        }
        if ((req.bodyInt(OPEN_OPEN_FLAGS) & FUSE_OPEN_KILL_SUIDGID) != 0) {
            setId.killOnWrite(n, req);
        }
        handles.sendOpen(reply, 0, n, flags, req.opcode() == FuseOpcode.OPENDIR);
    }

    /** CREATE: the file made, owned by the caller, and opened in one libpfs call. */
    void create(FuseRequest req, FuseReply reply) throws PfsException {
        long parent = req.nodeId();
        int flags = req.bodyInt(CREATE_FLAGS);
        String name = req.bodyString(CREATE_NAME);
        Owner owner = NamespaceOps.owner(req, lookup.stat(lookup.node(parent)));
        long fd = pfs.open(lookup.childPath(parent, name), OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_NOFOLLOW
                | (flags & (OpenFlags.O_EXCL | OpenFlags.O_TRUNC)), req.bodyInt(CREATE_MODE) & 07777, owner);
        PfsStat st;
        try {
            st = pfs.fstat(fd);
        } catch (PfsException e) {
            pfs.close(fd);
            throw e;
        }
        lookup.created(st.ino(), st.type(), parent, name, fd);
        if ((req.bodyInt(CREATE_OPEN_FLAGS) & FUSE_OPEN_KILL_SUIDGID) != 0) {
            setId.killOnWrite(lookup.node(st.ino()), req);
            st = pfs.fstat(fd);
        }
        attrs.entry(reply, 0, st);
        handles.sendOpen(reply, FuseReplyDescriptor.ENTRY_LENGTH, lookup.node(st.ino()), flags, false);
    }

    void release(FuseRequest req, FuseReply reply) {
        handles.release(req.bodyLong(RELEASE_FH));
        reply.send(0);
    }

    /** FLUSH (each close(2)): close reports a data loss a write of the file met (see {@link WritebackErrors}). */
    void flush(FuseRequest req, FuseReply reply) throws PfsException {
        Errno sticky = writebackErrors.any() ? writebackErrors.check(handles.get(req.bodyLong(RELEASE_FH)).node.ino) : null;
        if (sticky != null) {
            reply.error(sticky.code());
        } else {
            reply.send(0);
        }
    }

    void fsync(FuseRequest req, FuseReply reply) throws PfsException {
        NodeTable.Node n = handles.get(req.bodyLong(FSYNC_FH)).node;
        Errno sticky = writebackErrors.check(n.ino);
        if (sticky != null) {
            reply.error(sticky.code());
            return;
        }
        try {
            if ((req.bodyInt(FSYNC_FLAGS) & 1) != 0 && n.type != FileType.DIRECTORY) {
                pfs.fdatasync(n.pin);
            } else {
                pfs.fsync(n.pin);
            }
        } catch (PfsException e) {
            writebackErrors.record(n.ino, e.errno());
            throw e;
        }
        reply.send(0);
    }
}
