package dev.pfs.fuse;

import static dev.pfs.fuse.kernel.FuseRequestDescriptor.*;

import dev.pfs.core.Caller;
import dev.pfs.core.DirEntry;
import dev.pfs.core.Errno;
import dev.pfs.core.FileType;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Owner;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.PfsStat;
import dev.pfs.core.PfsStatFs;
import dev.pfs.fuse.kernel.FuseHandler;
import dev.pfs.fuse.kernel.FuseOpcode;
import dev.pfs.fuse.kernel.FuseReply;
import dev.pfs.fuse.kernel.FuseReplyDescriptor;
import dev.pfs.fuse.kernel.FuseRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FUSE low-level (inode) operations on libpfs: each kernel request mapped onto libpfs
 * calls, nodes kept exact in a {@link NodeTable}.
 *
 * <p>Regular files and directories are reached through the pin descriptor of their node, so
 * an inode the kernel holds stays usable after its last name went (the kernel itself decides
 * when a file is gone, by FORGET). Names are resolved to libpfs paths under a read lock that
 * a rename takes exclusively, so no path is computed while a directory moves. Writes are
 * write-through (no kernel writeback cache): fsync here is exactly libpfs's fsync. With
 * FUSE_HANDLE_KILLPRIV_V2 the kernel flags writes, truncates and O_TRUNC opens by callers
 * without CAP_FSETID, and this class clears the set-ID bits then ({@link #killPrivileges});
 * chown clears them in libpfs. Errors are
 * the {@link PfsException}'s errno; flock and fcntl locks are left to the kernel, which keeps
 * them locally, right for the single RW mount.
 */
final class PfsFuseOps implements FuseHandler {
    private static final Logger LOG = LoggerFactory.getLogger(PfsFuseOps.class);
    private static final int ENOSYS = 38;
    private static final int ENOTTY = 25;
    private static final int S_ISGID = 02000;
    private static final int S_ISUID = 04000;
    private static final int S_IXGRP = 0010;
    /** Most bytes one COPY_FILE_RANGE copies (a short copy is legal: callers loop). */
    static final long MAX_COPY = 64L << 20;

    /** An open file or directory: its node, the open flags and, for a directory, a listing. */
    private static final class Handle {
        final NodeTable.Node node;
        final int flags;
        volatile List<DirEntry> listing;

        Handle(NodeTable.Node node, int flags) {
            this.node = node;
            this.flags = flags;
        }
    }

    private final Pfs pfs;
    private final NodeTable nodes;
    private final AttrReplies attrs;
    private final ReadWriteLock paths = new ReentrantReadWriteLock();
    private final Map<Long, Handle> handles = new ConcurrentHashMap<>();
    private final AtomicLong nextHandle = new AtomicLong(1);
    private final WritebackErrors writebackErrors = new WritebackErrors();

    PfsFuseOps(Pfs pfs, FuseMountOptions options) throws PfsException {
        this.pfs = pfs;
        this.nodes = new NodeTable(pfs.open("/", OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY, 0));
        this.attrs = new AttrReplies(options.attrTimeout(), options.entryTimeout());
    }

    /** @return the node table (tests) */
    NodeTable nodes() {
        return nodes;
    }

    @Override
    public void handle(FuseRequest req, FuseReply reply) throws Exception {
        int op = req.opcode();
        try {
            switch (op) {
                case FuseOpcode.LOOKUP -> withPaths(() -> attrs.sendEntry(reply, lookup(req.nodeId(), req.bodyString(0))));
                case FuseOpcode.FORGET -> forget(req.nodeId(), req.bodyLong(FORGET_NLOOKUP));
                case FuseOpcode.BATCH_FORGET -> batchForget(req);
                case FuseOpcode.GETATTR -> attrs.sendAttr(reply, stat(nodes.node(req.nodeId())));
                case FuseOpcode.SETATTR -> withPaths(() -> setattr(req, reply));
                case FuseOpcode.READLINK -> withPaths(() -> readlink(req, reply));
                case FuseOpcode.MKNOD -> withPaths(() -> mknod(req, reply));
                case FuseOpcode.MKDIR -> withPaths(() -> mkdir(req, reply));
                case FuseOpcode.SYMLINK -> withPaths(() -> symlink(req, reply));
                case FuseOpcode.UNLINK, FuseOpcode.RMDIR -> withPaths(() -> remove(req, reply, op == FuseOpcode.RMDIR));
                case FuseOpcode.RENAME -> rename(req, reply, req.bodyLong(RENAME_NEWDIR), RENAME_NAMES, 0);
                case FuseOpcode.RENAME2 -> rename(req, reply, req.bodyLong(RENAME_NEWDIR), RENAME2_NAMES,
                        req.bodyInt(RENAME2_FLAGS));
                case FuseOpcode.LINK -> withPaths(() -> link(req, reply));
                case FuseOpcode.OPEN, FuseOpcode.OPENDIR -> open(req, reply);
                case FuseOpcode.CREATE -> withPaths(() -> create(req, reply));
                case FuseOpcode.READ -> read(req, reply);
                case FuseOpcode.WRITE -> write(req, reply);
                case FuseOpcode.STATFS -> statfs(reply);
                case FuseOpcode.RELEASE, FuseOpcode.RELEASEDIR -> release(req, reply);
                case FuseOpcode.FLUSH -> flush(req, reply);
                case FuseOpcode.FSYNC, FuseOpcode.FSYNCDIR -> fsync(req, reply);
                case FuseOpcode.READDIR, FuseOpcode.READDIRPLUS -> withPaths(() -> readdir(req, reply,
                        op == FuseOpcode.READDIRPLUS));
                case FuseOpcode.ACCESS -> {
                    stat(nodes.node(req.nodeId()));
                    reply.send(0);
                }
                case FuseOpcode.FALLOCATE -> fallocate(req, reply);
                case FuseOpcode.LSEEK -> lseek(req, reply);
                case FuseOpcode.COPY_FILE_RANGE -> copyFileRange(req, reply);
                case FuseOpcode.GETXATTR -> withPaths(() -> getxattr(req, reply));
                case FuseOpcode.LISTXATTR -> withPaths(() -> listxattr(req, reply));
                case FuseOpcode.SETXATTR -> withPaths(() -> setxattr(req, reply));
                case FuseOpcode.REMOVEXATTR -> withPaths(() -> removexattr(req, reply));
                case FuseOpcode.IOCTL -> reply.error(ENOTTY);
                case FuseOpcode.DESTROY -> reply.send(0);
                case FuseOpcode.INTERRUPT -> { }
                default -> reply.error(ENOSYS);
            }
        } catch (PfsException e) {
            if (e.errno() == Errno.EIO) {
                LOG.warn("FUSE opcode {} on node {}: {}", op, req.nodeId(), e.getMessage());
            }
            if (!FuseOpcode.noReply(op) && !reply.sent()) {
                reply.error(e.errno().code());
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("FUSE opcode {} on node {}: malformed request: {}", op, req.nodeId(), e.getMessage());
            if (!FuseOpcode.noReply(op) && !reply.sent()) {
                reply.error(Errno.EINVAL.code());
            }
        }
    }

    private interface PathCall {
        void run() throws PfsException;
    }

    /** Runs a call that resolves names, so that no rename moves a directory meanwhile. */
    private void withPaths(PathCall call) throws PfsException {
        paths.readLock().lock();
        try {
            call.run();
        } finally {
            paths.readLock().unlock();
        }
    }

    // ---- nodes

    /** Looks up {@code name} in {@code parent}, counting one kernel reference to what it finds. */
    private PfsStat lookup(long parent, String name) throws PfsException {
        String path = nodes.childPath(parent, name);
        while (true) {
            PfsStat st = pfs.lstat(path);
            NodeTable.Node known = nodes.find(st.ino());
            long pin = -1;
            if ((known == null || known.pin < 0) && st.type() != FileType.SYMLINK) {
                pin = openPin(path, st.type());
                PfsStat pinned = pfs.fstat(pin);
                if (pinned.ino() != st.ino()) {
                    pfs.close(pin); // the name was replaced between lstat and open: look again
                    continue;
                }
                st = pinned;
            }
            closePin(nodes.remember(st.ino(), st.type(), parent, name, pin));
            return st;
        }
    }

    private long openPin(String path, FileType type) throws PfsException {
        if (type == FileType.DIRECTORY) {
            return pfs.open(path, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW, 0);
        }
        if (pfs.isReadWrite()) {
            try {
                return pfs.open(path, OpenFlags.O_RDWR | OpenFlags.O_NOFOLLOW, 0);
            } catch (PfsException e) {
                if (e.errno() != Errno.EROFS) {
                    throw e;
                }
            }
        }
        return pfs.open(path, OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW, 0);
    }

    private void closePin(long pin) {
        if (pin < 0) {
            return;
        }
        try {
            pfs.close(pin);
        } catch (PfsException e) {
            LOG.warn("closing the pin descriptor {}: {}", pin, e.getMessage());
        }
    }

    private void forget(long nodeId, long count) {
        closePin(nodes.forget(nodeId, count));
    }

    private void batchForget(FuseRequest req) {
        int count = req.bodyInt(BATCH_FORGET_COUNT);
        for (int i = 0; i < count; i++) {
            int at = BATCH_FORGET_ENTRIES + i * FORGET_ONE_SIZE;
            forget(req.bodyLong(at), req.bodyLong(at + 8));
        }
    }

    private PfsStat stat(NodeTable.Node n) throws PfsException {
        return n.pin >= 0 ? pfs.fstat(n.pin) : pfs.lstat(nodes.path(n.ino));
    }

    /** A path naming node {@code n} now (its pin is preferred wherever libpfs takes a descriptor). */
    private String pathOf(NodeTable.Node n) throws PfsException {
        return nodes.path(n.ino);
    }

    // ---- attributes

    private void setattr(FuseRequest req, FuseReply reply) throws PfsException {
        NodeTable.Node n = nodes.node(req.nodeId());
        int valid = req.bodyInt(SETATTR_VALID);
        if ((valid & FATTR_SIZE) != 0) {
            long size = req.bodyLong(SETATTR_SIZE);
            if (n.pin >= 0) {
                pfs.ftruncate(n.pin, size);
            } else {
                pfs.truncate(pathOf(n), size);
            }
        }
        if ((valid & FATTR_KILL_SUIDGID) != 0) {
            killPrivileges(n);
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
            if (n.pin >= 0) {
                pfs.fchown(n.pin, uid, gid);
            } else {
                pfs.lchown(pathOf(n), uid, gid);
            }
        }
        if ((valid & (FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW | FATTR_MTIME_NOW)) != 0) {
            long now = nowNs();
            long atime = (valid & FATTR_ATIME_NOW) != 0 ? now : (valid & FATTR_ATIME) != 0
                    ? req.bodyLong(SETATTR_ATIME) * 1_000_000_000L + req.bodyInt(SETATTR_ATIMENSEC) : -1;
            long mtime = (valid & FATTR_MTIME_NOW) != 0 ? now : (valid & FATTR_MTIME) != 0
                    ? req.bodyLong(SETATTR_MTIME) * 1_000_000_000L + req.bodyInt(SETATTR_MTIMENSEC) : -1;
            if (n.pin >= 0) {
                pfs.futimens(n.pin, atime, mtime);
            } else {
                pfs.lutimens(pathOf(n), atime, mtime);
            }
        }
        attrs.sendAttr(reply, stat(n));
    }

    /**
     * What the kernel's file_remove_privs does on ext4, left to us by FUSE_HANDLE_KILLPRIV_V2: a
     * regular file written or truncated by a caller without CAP_FSETID loses its set-user-ID
     * bit, its set-group-ID bit when group-executable, and its file capabilities.
     */
    private void killPrivileges(NodeTable.Node n) throws PfsException {
        if (n.pin < 0 || n.type != FileType.REGULAR) {
            return;
        }
        int mode = pfs.fstat(n.pin).mode();
        int kill = S_ISUID | ((mode & S_IXGRP) != 0 ? S_ISGID : 0);
        if ((mode & kill) != 0) {
            pfs.fchmod(n.pin, mode & 07777 & ~kill);
        }
        if (hasXattrs(n)) {
            try {
                pfs.fremovexattr(n.pin, "security.capability", Caller.ROOT);
            } catch (PfsException e) {
                if (e.errno() != Errno.ENODATA) {
                    throw e;
                }
            }
        }
    }

    /** @return whether the file has xattrs; a libpfs without them (EOPNOTSUPP) has no capabilities to drop */
    private boolean hasXattrs(NodeTable.Node n) throws PfsException {
        try {
            return pfs.flistxattr(n.pin, ByteBuffer.allocate(0), Caller.ROOT) > 0;
        } catch (PfsException e) {
            if (e.errno() == Errno.EOPNOTSUPP) {
                return false;
            }
            throw e;
        }
    }

    private static long nowNs() {
        java.time.Instant t = java.time.Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    private void readlink(FuseRequest req, FuseReply reply) throws PfsException {
        byte[] target = pfs.readlink(pathOf(nodes.node(req.nodeId()))).getBytes(StandardCharsets.UTF_8);
        reply.putBytes(0, target);
        reply.send(target.length);
    }

    private void statfs(FuseReply reply) throws PfsException {
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

    // ---- names

    /**
     * The owner a new inode gets, as Linux gives it: the caller's uid, and the caller's gid or,
     * in a set-group-ID directory, the directory's group.
     */
    private Owner owner(FuseRequest req, PfsStat dir) {
        return new Owner(req.uid(), (dir.mode() & S_ISGID) != 0 ? dir.gid() : req.gid());
    }

    private void mkdir(FuseRequest req, FuseReply reply) throws PfsException {
        long parent = req.nodeId();
        String name = req.bodyString(MKDIR_NAME);
        PfsStat dir = stat(nodes.node(parent));
        int mode = req.bodyInt(MKDIR_MODE) & 07777;
        // A directory made in a set-group-ID directory is set-group-ID too.
        pfs.mkdir(nodes.childPath(parent, name), mode | (dir.mode() & S_ISGID), owner(req, dir));
        attrs.sendEntry(reply, lookup(parent, name));
    }

    private void mknod(FuseRequest req, FuseReply reply) throws PfsException {
        long parent = req.nodeId();
        String name = req.bodyString(MKNOD_NAME);
        PfsStat dir = stat(nodes.node(parent));
        pfs.mknod(nodes.childPath(parent, name), req.bodyInt(MKNOD_MODE), req.bodyInt(MKNOD_RDEV), owner(req, dir));
        attrs.sendEntry(reply, lookup(parent, name));
    }

    private void symlink(FuseRequest req, FuseReply reply) throws PfsException {
        long parent = req.nodeId();
        String name = req.bodyString(0);
        String target = req.bodyString(req.afterString(0));
        PfsStat dir = stat(nodes.node(parent));
        pfs.symlink(target, nodes.childPath(parent, name), owner(req, dir));
        attrs.sendEntry(reply, lookup(parent, name));
    }

    private void remove(FuseRequest req, FuseReply reply, boolean dir) throws PfsException {
        long parent = req.nodeId();
        String name = req.bodyString(0);
        String path = nodes.childPath(parent, name);
        if (dir) {
            pfs.rmdir(path);
        } else {
            pfs.unlink(path);
        }
        nodes.removed(parent, name);
        reply.send(0);
    }

    private void rename(FuseRequest req, FuseReply reply, long newParent, int namesAt, int flags)
            throws PfsException {
        String name = req.bodyString(namesAt);
        String newName = req.bodyString(req.afterString(namesAt));
        long parent = req.nodeId();
        paths.writeLock().lock();
        try {
            String from = nodes.childPath(parent, name);
            String to = nodes.childPath(newParent, newName);
            pfs.rename(from, to, flags);
            if ((flags & Pfs.RENAME_EXCHANGE) != 0) {
                nodes.exchanged(parent, name, newParent, newName);
            } else {
                nodes.renamed(parent, name, newParent, newName);
            }
        } finally {
            paths.writeLock().unlock();
        }
        reply.send(0);
    }

    private void link(FuseRequest req, FuseReply reply) throws PfsException {
        NodeTable.Node old = nodes.node(req.bodyLong(LINK_OLDNODEID));
        long parent = req.nodeId();
        String name = req.bodyString(LINK_NAME);
        String newPath = nodes.childPath(parent, name);
        if (old.pin >= 0) {
            pfs.linkat(old.pin, newPath);
        } else {
            pfs.link(pathOf(old), newPath);
        }
        attrs.sendEntry(reply, lookup(parent, name));
    }

    // ---- files

    private void open(FuseRequest req, FuseReply reply) throws PfsException {
        NodeTable.Node n = nodes.node(req.nodeId());
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
            killPrivileges(n);
        }
        sendOpen(reply, 0, n, flags);
    }

    private void sendOpen(FuseReply reply, int at, NodeTable.Node n, int flags) {
        long fh = nextHandle.getAndIncrement();
        handles.put(fh, new Handle(n, flags));
        reply.putLong(at + FuseReplyDescriptor.OPEN_FH, fh).putInt(at + FuseReplyDescriptor.OPEN_FLAGS, 0)
                .putInt(at + FuseReplyDescriptor.OPEN_FLAGS + 4, 0);
        reply.send(at + FuseReplyDescriptor.OPEN_LENGTH);
    }

    private void create(FuseRequest req, FuseReply reply) throws PfsException {
        long parent = req.nodeId();
        int flags = req.bodyInt(CREATE_FLAGS);
        String name = req.bodyString(CREATE_NAME);
        Owner owner = owner(req, stat(nodes.node(parent)));
        long fd = pfs.open(nodes.childPath(parent, name), OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_NOFOLLOW
                | (flags & (OpenFlags.O_EXCL | OpenFlags.O_TRUNC)), req.bodyInt(CREATE_MODE) & 07777, owner);
        PfsStat st;
        try {
            st = pfs.fstat(fd);
        } catch (PfsException e) {
            pfs.close(fd);
            throw e;
        }
        closePin(nodes.remember(st.ino(), st.type(), parent, name, fd));
        if ((req.bodyInt(CREATE_OPEN_FLAGS) & FUSE_OPEN_KILL_SUIDGID) != 0) {
            killPrivileges(nodes.node(st.ino()));
            st = pfs.fstat(fd);
        }
        attrs.entry(reply, 0, st);
        sendOpen(reply, FuseReplyDescriptor.ENTRY_LENGTH, nodes.node(st.ino()), flags);
    }

    private Handle handle(long fh) throws PfsException {
        Handle h = handles.get(fh);
        if (h == null) {
            throw new PfsException(Errno.EBADF, "no open file handle " + fh);
        }
        return h;
    }

    private void read(FuseRequest req, FuseReply reply) throws PfsException {
        Handle h = handle(req.bodyLong(IO_FH));
        int size = Math.min(req.bodyInt(IO_SIZE), reply.capacity());
        ByteBuffer dst = reply.body(0, size);
        long pos = req.bodyLong(IO_OFFSET);
        while (dst.hasRemaining()) {
            int n = pfs.pread(h.node.pin, dst, pos);
            if (n <= 0) {
                break;
            }
            pos += n;
        }
        reply.send(dst.position());
    }

    private void write(FuseRequest req, FuseReply reply) throws PfsException {
        Handle h = handle(req.bodyLong(IO_FH));
        ByteBuffer src = req.bodyBytes(WRITE_DATA, req.bodyInt(IO_SIZE));
        long pos = req.bodyLong(IO_OFFSET);
        if ((req.bodyInt(WRITE_FLAGS) & FUSE_WRITE_KILL_SUIDGID) != 0) {
            killPrivileges(h.node);
        }
        try {
            while (src.hasRemaining()) {
                pos += pfs.pwrite(h.node.pin, src, pos);
            }
        } catch (PfsException e) {
            writebackErrors.record(h.node.ino, e.errno());
            throw e;
        }
        reply.putInt(0, src.position()).putInt(4, 0);
        reply.send(FuseReplyDescriptor.WRITE_LENGTH);
    }

    private void release(FuseRequest req, FuseReply reply) {
        handles.remove(req.bodyLong(RELEASE_FH));
        reply.send(0);
    }

    private void flush(FuseRequest req, FuseReply reply) throws PfsException {
        Errno sticky = writebackErrors.any() ? writebackErrors.check(handle(req.bodyLong(RELEASE_FH)).node.ino) : null;
        if (sticky != null) {
            reply.error(sticky.code());
        } else {
            reply.send(0);
        }
    }

    private void fsync(FuseRequest req, FuseReply reply) throws PfsException {
        NodeTable.Node n = handle(req.bodyLong(FSYNC_FH)).node;
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

    private void fallocate(FuseRequest req, FuseReply reply) throws PfsException {
        Handle h = handle(req.bodyLong(FALLOCATE_FH));
        pfs.fallocate(h.node.pin, req.bodyInt(FALLOCATE_MODE), req.bodyLong(FALLOCATE_OFFSET),
                req.bodyLong(FALLOCATE_LENGTH));
        reply.send(0);
    }

    /** SEEK_DATA / SEEK_HOLE (the kernel does SEEK_SET/CUR/END itself), from libpfs's block map. */
    private void lseek(FuseRequest req, FuseReply reply) throws PfsException {
        Handle h = handle(req.bodyLong(LSEEK_FH));
        int whence = req.bodyInt(LSEEK_WHENCE);
        if (whence != OpenFlags.SEEK_DATA && whence != OpenFlags.SEEK_HOLE) {
            reply.error(Errno.EINVAL.code());
            return;
        }
        reply.putLong(0, pfs.lseek(h.node.pin, req.bodyLong(LSEEK_OFFSET), whence));
        reply.send(8);
    }

    /**
     * copy_file_range(2) between two open files of the mount: read and written here in pieces
     * the size of the reply buffer (which serves as the scratch space), so the data crosses
     * the kernel boundary once instead of in a READ and a WRITE per page run.
     */
    private void copyFileRange(FuseRequest req, FuseReply reply) throws PfsException {
        Handle in = handle(req.bodyLong(COPY_FH_IN));
        Handle out = handle(req.bodyLong(COPY_FH_OUT));
        if (req.bodyLong(COPY_FLAGS) != 0) {
            throw new PfsException(Errno.EINVAL, "copy_file_range flags " + req.bodyLong(COPY_FLAGS));
        }
        long from = req.bodyLong(COPY_OFF_IN);
        long to = req.bodyLong(COPY_OFF_OUT);
        long len = Math.min(req.bodyLong(COPY_LEN), MAX_COPY);
        int scratch = reply.capacity() - FuseReplyDescriptor.WRITE_LENGTH;
        long done = 0;
        while (done < len) {
            ByteBuffer piece = reply.body(FuseReplyDescriptor.WRITE_LENGTH, (int) Math.min(len - done, scratch));
            int n = pfs.pread(in.node.pin, piece, from + done);
            if (n <= 0) {
                break;
            }
            piece.flip();
            long at = to + done;
            try {
                while (piece.hasRemaining()) {
                    at += pfs.pwrite(out.node.pin, piece, at);
                }
            } catch (PfsException e) {
                writebackErrors.record(out.node.ino, e.errno());
                throw e;
            }
            done += n;
        }
        reply.putInt(0, (int) done).putInt(4, 0);
        reply.send(FuseReplyDescriptor.WRITE_LENGTH);
    }

    // ---- extended attributes: on the node's pin, or on a symlink itself by path

    /**
     * The request's caller. The kernel ({@code default_permissions}) checked the permission bits
     * with all of the caller's groups; libpfs, which sees only the primary gid, checks the rest.
     */
    private static Caller caller(FuseRequest req) {
        return Caller.checkedByKernel(req.uid(), req.gid());
    }

    /** GETXATTR: the value, or with size 0 the size it needs (ERANGE from libpfs when too small). */
    private void getxattr(FuseRequest req, FuseReply reply) throws PfsException {
        NodeTable.Node n = nodes.node(req.nodeId());
        String name = req.bodyString(GETXATTR_NAME);
        int size = req.bodyInt(GETXATTR_SIZE);
        ByteBuffer dst = reply.body(0, Math.min(size, reply.capacity()));
        int got = n.pin >= 0 ? pfs.fgetxattr(n.pin, name, dst, caller(req))
                : pfs.getxattr(pathOf(n), false, name, dst, caller(req));
        sendXattrSize(reply, size, got);
    }

    /** LISTXATTR: the NUL-terminated names, or with size 0 the size they need. */
    private void listxattr(FuseRequest req, FuseReply reply) throws PfsException {
        NodeTable.Node n = nodes.node(req.nodeId());
        int size = req.bodyInt(GETXATTR_SIZE);
        ByteBuffer dst = reply.body(0, Math.min(size, reply.capacity()));
        int got = n.pin >= 0 ? pfs.flistxattr(n.pin, dst, caller(req))
                : pfs.listxattr(pathOf(n), false, dst, caller(req));
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

    private void setxattr(FuseRequest req, FuseReply reply) throws PfsException {
        NodeTable.Node n = nodes.node(req.nodeId());
        String name = req.bodyString(SETXATTR_NAME);
        ByteBuffer value = req.bodyBytes(req.afterString(SETXATTR_NAME), req.bodyInt(SETXATTR_SIZE));
        int flags = req.bodyInt(SETXATTR_FLAGS);
        if (n.pin >= 0) {
            pfs.fsetxattr(n.pin, name, value, flags, caller(req));
        } else {
            pfs.setxattr(pathOf(n), false, name, value, flags, caller(req));
        }
        reply.send(0);
    }

    private void removexattr(FuseRequest req, FuseReply reply) throws PfsException {
        NodeTable.Node n = nodes.node(req.nodeId());
        String name = req.bodyString(0);
        if (n.pin >= 0) {
            pfs.fremovexattr(n.pin, name, caller(req));
        } else {
            pfs.removexattr(pathOf(n), false, name, caller(req));
        }
        reply.send(0);
    }

    // ---- directories

    private void readdir(FuseRequest req, FuseReply reply, boolean plus) throws PfsException {
        Handle h = handle(req.bodyLong(IO_FH));
        long offset = req.bodyLong(IO_OFFSET);
        int size = Math.min(req.bodyInt(IO_SIZE), reply.capacity());
        List<DirEntry> listing = h.listing;
        if (listing == null || offset == 0) {
            listing = list(h.node);
            h.listing = listing;
        }
        int at = 0;
        for (int i = (int) offset; i < listing.size(); i++) {
            DirEntry e = listing.get(i);
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            int direntAt = plus ? at + FuseReplyDescriptor.ENTRY_LENGTH : at;
            int end = direntAt + FuseReplyDescriptor.direntSize(name.length);
            if (end > size) {
                break;
            }
            if (plus) {
                reply.zero(at, FuseReplyDescriptor.ENTRY_LENGTH);
                if (i >= 2 && !plusEntry(reply, at, h.node.ino, e.name())) {
                    continue;
                }
            }
            reply.putLong(direntAt + FuseReplyDescriptor.DIRENT_INO, e.ino())
                    .putLong(direntAt + FuseReplyDescriptor.DIRENT_OFF, i + 1)
                    .putInt(direntAt + FuseReplyDescriptor.DIRENT_NAMELEN, name.length)
                    .putInt(direntAt + FuseReplyDescriptor.DIRENT_TYPE, AttrReplies.direntType(e.type()))
                    .putBytes(direntAt + FuseReplyDescriptor.DIRENT_NAME, name)
                    .zero(direntAt + FuseReplyDescriptor.DIRENT_NAME + name.length,
                            end - direntAt - FuseReplyDescriptor.DIRENT_NAME - name.length);
            at = end;
        }
        reply.send(at);
    }

    /** Fills the entry of a readdirplus item, counting the lookup; false if the name went meanwhile. */
    private boolean plusEntry(FuseReply reply, int at, long dir, String name) throws PfsException {
        try {
            attrs.entry(reply, at, lookup(dir, name));
            return true;
        } catch (PfsException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    /** @return ".", ".." and the entries of directory node {@code dir} */
    private List<DirEntry> list(NodeTable.Node dir) throws PfsException {
        String path = pathOf(dir);
        List<DirEntry> out = new ArrayList<>();
        out.add(new DirEntry(".", dir.ino, FileType.DIRECTORY));
        long parent = dir.ino == NodeTable.ROOT ? NodeTable.ROOT : dir.parent;
        out.add(new DirEntry("..", parent, FileType.DIRECTORY));
        out.addAll(pfs.readdir(path));
        return out;
    }
}
