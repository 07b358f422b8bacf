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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/** The calls on file descriptors: open, close, read, write, seek, sync, ftruncate, fallocate. */
final class FileOps {
    /** Largest piece of one write committed together, so journal records stay bounded. */
    private static final int WRITE_PIECE = 8 << 20;

    /** Largest file size: offsets past it fail with EFBIG before any work. */
    static final long MAX_FILE_SIZE = 1L << 60;

    private static final class OpenFile {
        final long ino;
        final long generation;
        final int flags;
        long position;
        /** The file's write errors this descriptor has seen (errseq). */
        long seenErrors;

        OpenFile(Inode i, int flags, long seenErrors) {
            this.ino = i.ino;
            this.generation = i.generation;
            this.flags = flags;
            this.seenErrors = seenErrors;
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
    private final Map<Long, OpenFile> fds = new HashMap<>();
    /** Descriptors count up and never wrap, so a number is never reused, let alone while open. */
    private long nextFd = 3;

    FileOps(FsState fs, NameOps names) {
        this.fs = fs;
        this.names = names;
    }

    long open(String path, int flags, int mode, Owner owner) throws PfsException {
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
        long fd = nextFd++;
        fds.put(fd, new OpenFile(i, flags, fs.writeErrors.sample(i.ino)));
        fs.openCount.merge(i.ino, 1, Integer::sum);
        return fd;
    }

    void skipDescriptors(long next) {
        nextFd = next;
    }

    /** @return the inode open as {@code fd} */
    Inode inode(long fd) throws PfsException {
        OpenFile f = file(fd);
        return fs.inode(f.ino, f.generation);
    }

    private OpenFile file(long fd) throws PfsException {
        OpenFile f = fds.get(fd);
        if (f == null) {
            throw new PfsException(Errno.EBADF, "bad file descriptor " + fd);
        }
        return f;
    }

    void close(long fd) throws PfsException {
        OpenFile f = fds.remove(fd);
        if (f == null) {
            throw new PfsException(Errno.EBADF, "bad file descriptor " + fd);
        }
        int left = fs.openCount.merge(f.ino, -1, Integer::sum);
        if (left <= 0) {
            fs.openCount.remove(f.ino);
            Inode i = fs.store.inode(f.ino);
            if (i != null && i.nlink == 0 && fs.readWrite && fs.health.healthy()) {
                fs.releaseIfUnused(i);
            }
        }
    }

    /** Closes every descriptor (umount). */
    void closeAll() throws PfsException {
        for (Long fd : Map.copyOf(fds).keySet()) {
            close(fd);
        }
    }

    int read(long fd, ByteBuffer dst, long offset, boolean advance) throws PfsException {
        OpenFile f = file(fd);
        if (!f.canRead()) {
            throw new PfsException(Errno.EBADF, "descriptor " + fd + " is not open for reading");
        }
        Inode i = fs.inode(f.ino, f.generation);
        if (i.isDir()) {
            throw new PfsException(Errno.EISDIR, "descriptor " + fd + " is a directory");
        }
        if (offset < 0) {
            throw new PfsException(Errno.EINVAL, "negative offset " + offset);
        }
        long at = advance ? f.position : offset;
        long mapTime = fs.mapTime();
        fs.checkMapFresh(mapTime, "read");
        int start = dst.position();
        int n = fs.data.read(i, dst, at);
        try {
            fs.checkMapFresh(mapTime, "read");
        } catch (PfsException e) {
            dst.position(start);
            throw e;
        }
        if (advance) {
            f.position += n;
        }
        return n;
    }

    int write(long fd, ByteBuffer src, long offset, boolean advance) throws PfsException {
        OpenFile f = file(fd);
        if (!f.canWrite()) {
            throw new PfsException(Errno.EBADF, "descriptor " + fd + " is not open for writing");
        }
        fs.checkWritable("write");
        if (offset < 0) {
            throw new PfsException(Errno.EINVAL, "negative offset " + offset);
        }
        Inode i = fs.inode(f.ino, f.generation);
        long at = advance ? ((f.flags & OpenFlags.O_APPEND) != 0 ? i.size : f.position) : offset;
        int total = src.remaining();
        if (at > MAX_FILE_SIZE - total) {
            throw new PfsException(Errno.EFBIG, "write of " + total + " bytes at " + at + " passes the largest file size");
        }
        fs.ensureSpace(fs.data.blocksNeeded(i, at, total), "descriptor " + fd);
        if (at > i.size) {
            long bs = fs.data.blockSize();
            fs.zero(i, i.size, Math.min(at, (i.size + bs - 1) / bs * bs));
        }
        int done = 0;
        while (done < total) {
            int n = Math.min(WRITE_PIECE, total - done);
            ByteBuffer piece = src.slice(src.position(), n);
            try {
                fs.data.write(i, piece, at + done, fs.txn());
            } catch (PfsException e) {
                fs.dataWriteFailed(i.ino, e);
                throw e;
            }
            src.position(src.position() + n);
            done += n;
            fs.committer.dataWritten(i.ino);
            long now = FsState.now();
            if (at + done > i.size) {
                fs.txn().touchInode(i);
                i.size = at + done;
            } else {
                fs.committer.lazy(i);
            }
            i.mtimeNs = now;
            i.ctimeNs = now;
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

    long lseek(long fd, long offset, int whence) throws PfsException {
        OpenFile f = file(fd);
        if (whence == OpenFlags.SEEK_DATA || whence == OpenFlags.SEEK_HOLE) {
            f.position = Holes.seek(fs.store, fs.inode(f.ino, f.generation), offset, whence, fs.data.blockSize());
            return f.position;
        }
        long base = switch (whence) {
            case OpenFlags.SEEK_SET -> 0;
            case OpenFlags.SEEK_CUR -> f.position;
            case OpenFlags.SEEK_END -> fs.inode(f.ino, f.generation).size;
            default -> throw new PfsException(Errno.EINVAL, "bad whence " + whence);
        };
        long pos = base + offset;
        if (pos < 0) {
            throw new PfsException(Errno.EINVAL, "seek to negative offset " + pos);
        }
        f.position = pos;
        return pos;
    }

    /**
     * fsync (all = true) or fdatasync: commits what the file's data needs, or only flushes.
     * Reports, once per descriptor, a write or flush failure that covered this file's data.
     */
    void sync(long fd, boolean all) throws PfsException {
        OpenFile f = file(fd);
        long seen = fs.writeErrors.report(f.ino, f.seenErrors);
        if (seen != f.seenErrors) {
            f.seenErrors = seen;
            throw new PfsException(Errno.EIO, "an earlier write-back of descriptor " + fd + " failed");
        }
        if (!fs.readWrite) {
            return;
        }
        Inode i = fs.inode(f.ino, f.generation);
        fs.health.checkChange("fsync");
        if (all) {
            fs.committer.lazy(i);
            fs.commit();
        } else if (fs.committer.needsCommit()) {
            fs.commit();
        } else {
            fs.committer.flushData();
        }
        seen = fs.writeErrors.report(f.ino, f.seenErrors);
        if (seen != f.seenErrors) {
            f.seenErrors = seen;
            throw new PfsException(Errno.EIO, "writing back the data of descriptor " + fd + " failed");
        }
    }

    void ftruncate(long fd, long length) throws PfsException {
        OpenFile f = file(fd);
        if (!f.canWrite()) {
            throw new PfsException(Errno.EINVAL, "descriptor " + fd + " is not open for writing");
        }
        Inode i = fs.inode(f.ino, f.generation);
        names.truncateInode(i, length, "descriptor " + fd);
    }

    PfsStat fstat(long fd) throws PfsException {
        OpenFile f = file(fd);
        return fs.stat(fs.inode(f.ino, f.generation));
    }

    void fallocate(long fd, int mode, long offset, long length) throws PfsException {
        OpenFile f = file(fd);
        int known = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE;
        if ((mode & ~known) != 0 || ((mode & FALLOC_FL_PUNCH_HOLE) != 0
                && ((mode & FALLOC_FL_KEEP_SIZE) == 0 || (mode & FALLOC_FL_ZERO_RANGE) != 0))) {
            throw new PfsException(Errno.EOPNOTSUPP, "fallocate mode 0x" + Integer.toHexString(mode) + " is not supported");
        }
        if (offset < 0 || length <= 0) {
            throw new PfsException(Errno.EINVAL, "fallocate range " + offset + "+" + length);
        }
        if (offset > MAX_FILE_SIZE - length) {
            throw new PfsException(Errno.EFBIG, "fallocate range " + offset + "+" + length
                    + " passes the largest file size (" + MAX_FILE_SIZE + ")");
        }
        if (!f.canWrite()) {
            throw new PfsException(Errno.EBADF, "descriptor " + fd + " is not open for writing");
        }
        fs.checkWritable("fallocate");
        Inode i = fs.inode(f.ino, f.generation);
        if (i.isDir()) {
            throw new PfsException(Errno.EISDIR, "descriptor " + fd + " is a directory");
        }
        long end = offset + length;
        long bs = fs.data.blockSize();
        if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) != 0) {
            clearRange(i, mode, offset, end);
        } else {
            allocateRange(i, offset, end, "descriptor " + fd);
        }
        if ((mode & FALLOC_FL_KEEP_SIZE) == 0 && end > i.size) {
            if (i.size % bs != 0) {
                fs.zero(i, i.size, Math.min(end, (i.size + bs - 1) / bs * bs));
            }
            fs.txn().touchInode(i);
            i.size = end;
        }
        fs.txn().touchInode(i);
        i.ctimeNs = FsState.now();
        fs.commit();
    }

    /** Punches or zeroes {@code [offset, end)}: work in proportion to the blocks the file has there. */
    private void clearRange(Inode i, int mode, long offset, long end) throws PfsException {
        long bs = fs.data.blockSize();
        long firstWhole = (offset + bs - 1) / bs;
        long endWhole = end / bs;
        long zeroEnd = (mode & FALLOC_FL_PUNCH_HOLE) != 0 ? Math.min(end, i.size) : end;
        fs.zero(i, offset, Math.min(zeroEnd, firstWhole * bs));
        fs.zero(i, Math.max(offset, endWhole * bs), Math.min(zeroEnd, Math.max(offset, endWhole * bs) + bs));
        if (firstWhole >= endWhole) {
            return;
        }
        for (var e : new ArrayList<>(fs.store.blocks(i.ino).subMap(firstWhole, endWhole).entrySet())) {
            if ((mode & FALLOC_FL_PUNCH_HOLE) != 0) {
                fs.store.freeTag(fs.txn(), e.getValue());
            } else {
                fs.store.setTag(fs.txn(), e.getValue(), i.ino, e.getKey(), MetaSlotDescriptor.TAG_UNWRITTEN);
            }
            if (fs.txn().size() >= FsState.FREE_BATCH) {
                fs.commit();
            }
        }
    }

    /**
     * Allocates unwritten blocks over {@code [offset, end)}. The space check counts the blocks
     * the file already has there first, so the walk that follows is bounded by free space.
     */
    private void allocateRange(Inode i, long offset, long end, String what) throws PfsException {
        long bs = fs.data.blockSize();
        long first = offset / bs;
        long last = (end + bs - 1) / bs;
        long need = last - first - fs.store.blocks(i.ino).subMap(first, last).size();
        fs.ensureSpace(need, what);
        for (long bi = first; bi < last; bi++) {
            if (fs.store.tagOf(i.ino, bi) < 0) {
                long t = fs.store.freeTagNear(bi > 0 ? fs.store.tagOf(i.ino, bi - 1) + 1 : -1);
                fs.store.setTag(fs.txn(), t, i.ino, bi, MetaSlotDescriptor.TAG_UNWRITTEN);
                if (fs.txn().size() >= FsState.FREE_BATCH) {
                    fs.commit();
                }
            }
        }
    }
}
