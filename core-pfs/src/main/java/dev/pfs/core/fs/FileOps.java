package dev.pfs.core.fs;

import static dev.pfs.core.OpenFlags.FALLOC_FL_KEEP_SIZE;
import static dev.pfs.core.OpenFlags.FALLOC_FL_PUNCH_HOLE;
import static dev.pfs.core.OpenFlags.FALLOC_FL_ZERO_RANGE;

import dev.pfs.core.Errno;
import dev.pfs.core.FileType;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Owner;
import dev.pfs.core.PfsException;
import dev.pfs.core.PfsStat;
import dev.pfs.core.layout.MetaSlotDescriptor;
import dev.pfs.core.meta.Inode;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/** The calls on file descriptors: open, close, read, write, seek, sync, ftruncate, fallocate. */
final class FileOps {
    /** Largest piece of one write committed together, so journal records stay bounded. */
    private static final int WRITE_PIECE = 8 << 20;

    private static final class OpenFile {
        final long ino;
        final int flags;
        long position;

        OpenFile(long ino, int flags) {
            this.ino = ino;
            this.flags = flags;
        }

        boolean canRead() {
            return (flags & OpenFlags.O_ACCMODE) != OpenFlags.O_WRONLY;
        }

        boolean canWrite() {
            int acc = flags & OpenFlags.O_ACCMODE;
            return acc == OpenFlags.O_WRONLY || acc == OpenFlags.O_RDWR;
        }
    }

    private final FsState fs;
    private final NameOps names;
    private final Map<Integer, OpenFile> fds = new HashMap<>();
    private int nextFd = 3;

    FileOps(FsState fs, NameOps names) {
        this.fs = fs;
        this.names = names;
    }

    int open(String path, int flags, int mode, Owner owner) throws PfsException {
        boolean write = (flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY;
        if ((flags & OpenFlags.O_ACCMODE) == OpenFlags.O_ACCMODE) {
            throw new PfsException(Errno.EINVAL, "bad access mode in open flags of " + path);
        }
        Inode i;
        if ((flags & OpenFlags.O_CREAT) != 0) {
            PathWalker.Parent p;
            try {
                p = fs.walker.parent(path);
            } catch (PfsException e) {
                throw e.errno() == Errno.EBUSY ? new PfsException(Errno.EISDIR, "is a directory: " + path) : e;
            }
            if (p.inode() != null && p.inode().isDir()) {
                throw new PfsException(Errno.EISDIR, "is a directory: " + path);
            }
            if (p.inode() != null && (flags & OpenFlags.O_EXCL) != 0) {
                throw new PfsException(Errno.EEXIST, "file exists: " + path);
            }
            if (p.inode() == null) {
                fs.checkWritable("create " + path);
                i = names.create(p, FileType.REGULAR, mode, path, owner);
            } else {
                i = p.inode().type() == FileType.SYMLINK ? fs.walker.resolve(path, true) : p.inode();
            }
        } else {
            i = fs.walker.resolve(path, (flags & OpenFlags.O_NOFOLLOW) == 0);
            if (i.type() == FileType.SYMLINK) {
                throw new PfsException(Errno.ELOOP, "is a symbolic link (O_NOFOLLOW): " + path);
            }
        }
        if (i.isDir() && (write || (flags & OpenFlags.O_TRUNC) != 0)) {
            throw new PfsException(Errno.EISDIR, "is a directory: " + path);
        }
        if (!i.isDir() && (flags & OpenFlags.O_DIRECTORY) != 0) {
            throw new PfsException(Errno.ENOTDIR, "not a directory: " + path);
        }
        if (write) {
            fs.checkWritable("open " + path + " for writing");
        }
        if (write && (flags & OpenFlags.O_TRUNC) != 0 && i.size > 0) {
            fs.truncate(i, 0);
        }
        int fd = nextFd++;
        fds.put(fd, new OpenFile(i.ino, flags));
        fs.openCount.merge(i.ino, 1, Integer::sum);
        return fd;
    }

    /** @return the inode open as {@code fd} */
    Inode inode(int fd) throws PfsException {
        return fs.inode(file(fd).ino);
    }

    private OpenFile file(int fd) throws PfsException {
        OpenFile f = fds.get(fd);
        if (f == null) {
            throw new PfsException(Errno.EBADF, "bad file descriptor " + fd);
        }
        return f;
    }

    void close(int fd) throws PfsException {
        OpenFile f = fds.remove(fd);
        if (f == null) {
            throw new PfsException(Errno.EBADF, "bad file descriptor " + fd);
        }
        int left = fs.openCount.merge(f.ino, -1, Integer::sum);
        if (left <= 0) {
            fs.openCount.remove(f.ino);
            Inode i = fs.store.inode(f.ino);
            if (i != null && i.nlink == 0 && fs.readWrite && fs.fenced == null) {
                fs.releaseIfUnused(i);
            }
        }
    }

    /** Closes every descriptor (umount). */
    void closeAll() throws PfsException {
        for (Integer fd : Map.copyOf(fds).keySet()) {
            close(fd);
        }
    }

    int read(int fd, ByteBuffer dst, long offset, boolean advance) throws PfsException {
        OpenFile f = file(fd);
        if (!f.canRead()) {
            throw new PfsException(Errno.EBADF, "descriptor " + fd + " is not open for reading");
        }
        Inode i = fs.inode(f.ino);
        if (i.isDir()) {
            throw new PfsException(Errno.EISDIR, "descriptor " + fd + " is a directory");
        }
        if (offset < 0) {
            throw new PfsException(Errno.EINVAL, "negative offset " + offset);
        }
        long at = advance ? f.position : offset;
        int n = fs.data.read(i, dst, at);
        if (advance) {
            f.position += n;
        }
        return n;
    }

    int write(int fd, ByteBuffer src, long offset, boolean advance) throws PfsException {
        OpenFile f = file(fd);
        if (!f.canWrite()) {
            throw new PfsException(Errno.EBADF, "descriptor " + fd + " is not open for writing");
        }
        fs.checkWritable("write");
        if (offset < 0) {
            throw new PfsException(Errno.EINVAL, "negative offset " + offset);
        }
        Inode i = fs.inode(f.ino);
        long at = advance ? ((f.flags & OpenFlags.O_APPEND) != 0 ? i.size : f.position) : offset;
        int total = src.remaining();
        fs.data.checkSpace(fs.data.blocksNeeded(i, at, total), "descriptor " + fd);
        if (at > i.size) {
            long bs = fs.data.blockSize();
            fs.data.zero(i, i.size, Math.min(at, (i.size + bs - 1) / bs * bs));
        }
        int done = 0;
        while (done < total) {
            int n = Math.min(WRITE_PIECE, total - done);
            ByteBuffer piece = src.slice(src.position(), n);
            fs.data.write(i, piece, at + done, fs.txn());
            src.position(src.position() + n);
            done += n;
            fs.committer.dataWritten();
            long now = FsState.now();
            if (at + done > i.size) {
                fs.txn().touchInode(i);
                i.size = at + done;
            } else {
                fs.committer.lazy(i);
            }
            i.mtimeNs = now;
            i.ctimeNs = now;
            fs.committer.deferred(i.ino);
            if (fs.committer.pendingIsLarge()) {
                fs.commit();
            }
        }
        if (advance) {
            f.position = at + total;
        }
        if ((f.flags & OpenFlags.O_DSYNC) != 0) {
            sync(fd, (f.flags & OpenFlags.O_SYNC) == OpenFlags.O_SYNC);
        }
        return total;
    }

    long lseek(int fd, long offset, int whence) throws PfsException {
        OpenFile f = file(fd);
        if (whence == OpenFlags.SEEK_DATA || whence == OpenFlags.SEEK_HOLE) {
            f.position = Holes.seek(fs.store, fs.inode(f.ino), offset, whence, fs.data.blockSize());
            return f.position;
        }
        long base = switch (whence) {
            case OpenFlags.SEEK_SET -> 0;
            case OpenFlags.SEEK_CUR -> f.position;
            case OpenFlags.SEEK_END -> fs.inode(f.ino).size;
            default -> throw new PfsException(Errno.EINVAL, "bad whence " + whence);
        };
        long pos = base + offset;
        if (pos < 0) {
            throw new PfsException(Errno.EINVAL, "seek to negative offset " + pos);
        }
        f.position = pos;
        return pos;
    }

    /** fsync (all = true) or fdatasync: commits what the file's data needs, or only flushes. */
    void sync(int fd, boolean all) throws PfsException {
        OpenFile f = file(fd);
        if (fs.writeErrors.contains(f.ino)) {
            throw new PfsException(Errno.EIO, "an earlier write-back of descriptor " + fd + " failed");
        }
        if (!fs.readWrite) {
            return;
        }
        Inode i = fs.inode(f.ino);
        if (all) {
            fs.committer.lazy(i);
            fs.commit();
        } else if (fs.committer.needsCommit()) {
            fs.commit();
        } else {
            fs.committer.flushData();
        }
    }

    void ftruncate(int fd, long length) throws PfsException {
        OpenFile f = file(fd);
        if (!f.canWrite()) {
            throw new PfsException(Errno.EINVAL, "descriptor " + fd + " is not open for writing");
        }
        Inode i = fs.inode(f.ino);
        names.truncateInode(i, length, "descriptor " + fd);
    }

    PfsStat fstat(int fd) throws PfsException {
        return fs.stat(fs.inode(file(fd).ino));
    }

    void fallocate(int fd, int mode, long offset, long length) throws PfsException {
        OpenFile f = file(fd);
        int known = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE;
        if ((mode & ~known) != 0 || ((mode & FALLOC_FL_PUNCH_HOLE) != 0
                && ((mode & FALLOC_FL_KEEP_SIZE) == 0 || (mode & FALLOC_FL_ZERO_RANGE) != 0))) {
            throw new PfsException(Errno.EOPNOTSUPP, "fallocate mode 0x" + Integer.toHexString(mode) + " is not supported");
        }
        if (offset < 0 || length <= 0) {
            throw new PfsException(Errno.EINVAL, "fallocate range " + offset + "+" + length);
        }
        if (!f.canWrite()) {
            throw new PfsException(Errno.EBADF, "descriptor " + fd + " is not open for writing");
        }
        fs.checkWritable("fallocate");
        Inode i = fs.inode(f.ino);
        if (i.isDir()) {
            throw new PfsException(Errno.EISDIR, "descriptor " + fd + " is a directory");
        }
        long end = offset + length;
        long bs = fs.data.blockSize();
        long firstWhole = (offset + bs - 1) / bs;
        long endWhole = end / bs;
        if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) != 0) {
            long sizeBefore = i.size;
            long zeroEnd = (mode & FALLOC_FL_PUNCH_HOLE) != 0 ? Math.min(end, sizeBefore) : end;
            fs.data.zero(i, offset, Math.min(zeroEnd, firstWhole * bs));
            fs.data.zero(i, Math.max(offset, endWhole * bs), zeroEnd);
            fs.committer.dataWritten();
            for (long bi = firstWhole; bi < endWhole; bi++) {
                long t = fs.store.tagOf(i.ino, bi);
                if (t < 0) {
                    continue;
                }
                if ((mode & FALLOC_FL_PUNCH_HOLE) != 0) {
                    fs.store.freeTag(fs.txn(), t);
                } else {
                    fs.store.setTag(fs.txn(), t, i.ino, bi, MetaSlotDescriptor.TAG_UNWRITTEN);
                }
                if (fs.txn().size() >= FsState.FREE_BATCH) {
                    fs.commit();
                }
            }
        } else {
            long need = 0;
            for (long bi = offset / bs; bi * bs < end; bi++) {
                need += fs.store.tagOf(i.ino, bi) < 0 ? 1 : 0;
            }
            fs.data.checkSpace(need, "descriptor " + fd);
            for (long bi = offset / bs; bi * bs < end; bi++) {
                if (fs.store.tagOf(i.ino, bi) < 0) {
                    long t = fs.store.freeTagNear(bi > 0 ? fs.store.tagOf(i.ino, bi - 1) + 1 : -1);
                    fs.store.setTag(fs.txn(), t, i.ino, bi, MetaSlotDescriptor.TAG_UNWRITTEN);
                    if (fs.txn().size() >= FsState.FREE_BATCH) {
                        fs.commit();
                    }
                }
            }
        }
        if ((mode & FALLOC_FL_KEEP_SIZE) == 0 && end > i.size) {
            if (i.size % bs != 0) {
                fs.data.zero(i, i.size, Math.min(end, (i.size + bs - 1) / bs * bs));
                fs.committer.dataWritten();
            }
            fs.txn().touchInode(i);
            i.size = end;
        }
        fs.txn().touchInode(i);
        i.ctimeNs = FsState.now();
        fs.commit();
    }
}
