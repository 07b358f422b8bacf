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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The calls on file descriptors: open, close, read, write, seek, sync, ftruncate, fallocate.
 * Each takes its own locks, in the order written in {@link PfsMount}: a descriptor's monitor
 * (calls that move its position), the inode's lock ({@link InodeLocks}), the metadata lock
 * (the {@link FsState} monitor) for in-memory steps only. Volume I/O runs under the inode's
 * lock alone, and a call that needs a commit waits for it holding no lock.
 */
@SuppressWarnings("try") // an InodeLocks.Held is a lock guard: the try releases it
final class FileOps {
    /** Largest piece of one write committed together, so journal records stay bounded. */
    private static final int WRITE_PIECE = 8 << 20;

    /** Largest file size: offsets past it fail with EFBIG before any work. */
    static final long MAX_FILE_SIZE = 1L << 60;

    /** An open descriptor; its monitor serialises the calls that use and move its position. */
    private static final class OpenFile {
        final long ino;
        final long generation;
        final int flags;
        /** The inode's data lock, pinned while this descriptor is open. */
        final InodeLocks.Pinned lock;
        long position;
        /** The file's write errors this descriptor has seen (errseq); metadata lock. */
        long seenErrors;

        OpenFile(Inode i, int flags, InodeLocks.Pinned lock, long seenErrors) {
            this.ino = i.ino;
            this.generation = i.generation;
            this.flags = flags;
            this.lock = lock;
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
    /**
     * Open descriptors: changed under the metadata lock, looked up without it (a call re-checks
     * its descriptor under the lock before it changes anything, {@link #current}).
     */
    private final Map<Long, OpenFile> fds = new ConcurrentHashMap<>();
    /** Descriptors count up and never wrap, so a number is never reused, let alone while open. */
    private long nextFd = 3;

    FileOps(FsState fs, NameOps names) {
        this.fs = fs;
        this.names = names;
    }

    long open(String path, int flags, int mode, Owner owner) throws PfsException {
        long fd;
        boolean truncate;
        synchronized (fs) {
            fd = openLocked(path, flags, mode, owner);
            truncate = (flags & OpenFlags.O_TRUNC) != 0 && (flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY;
        }
        if (truncate) {
            try {
                withInodeLock(fd, (f, i) -> {
                    if (i.size > 0) {
                        fs.truncate(i, 0);
                    }
                });
            } catch (PfsException e) {
                close(fd);
                throw e;
            }
        }
        return fd;
    }

    private long openLocked(String path, int flags, int mode, Owner owner) throws PfsException {
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
        long fd = nextFd++;
        fds.put(fd, new OpenFile(i, flags, fs.inodeLocks.pin(i.ino), fs.writeErrors.sample(i.ino)));
        fs.openCount.merge(i.ino, 1, Integer::sum);
        return fd;
    }

    void skipDescriptors(long next) {
        synchronized (fs) {
            nextFd = next;
        }
    }

    /** @return the inode open as {@code fd} (metadata lock held) */
    Inode inode(long fd) throws PfsException {
        OpenFile f = file(fd);
        return fs.inode(f.ino, f.generation);
    }

    /** @return the descriptor; needs no lock ({@link #current} checks it again under the metadata lock) */
    private OpenFile file(long fd) throws PfsException {
        OpenFile f = fds.get(fd);
        if (f == null) {
            throw new PfsException(Errno.EBADF, "bad file descriptor " + fd);
        }
        return f;
    }

    /**
     * @return {@code f}'s inode, once its caller holds the inode's lock: EBADF if {@code fd} was
     *     closed meanwhile, ESTALE if the file is gone (metadata lock held)
     */
    private Inode current(OpenFile f, long fd) throws PfsException {
        if (fds.get(fd) != f) {
            throw new PfsException(Errno.EBADF, "bad file descriptor " + fd);
        }
        return fs.inode(f.ino, f.generation);
    }

    /** A step under the inode's exclusive lock and the metadata lock. */
    private interface InodeStep {
        void run(OpenFile f, Inode i) throws PfsException;
    }

    /** Runs {@code step} on {@code fd}'s inode with no data I/O of that file in flight. */
    private void withInodeLock(long fd, InodeStep step) throws PfsException {
        OpenFile f = file(fd);
        try (InodeLocks.Held held = fs.inodeLocks.lock(f.lock, true)) {
            synchronized (fs) {
                step.run(f, current(f, fd));
            }
        }
    }

    void close(long fd) throws PfsException {
        OpenFile f = file(fd);
        boolean removed = false;
        // The inode's lock waits for this file's I/O in flight, so a last close frees nothing in use.
        try (InodeLocks.Held held = fs.inodeLocks.lock(f.lock, true)) {
            synchronized (fs) {
                if (fds.get(fd) != f) {
                    throw new PfsException(Errno.EBADF, "bad file descriptor " + fd);
                }
                fds.remove(fd);
                removed = true;
                int left = fs.openCount.merge(f.ino, -1, Integer::sum);
                if (left <= 0) {
                    fs.openCount.remove(f.ino);
                    Inode i = fs.store.inode(f.ino);
                    if (i != null && i.nlink == 0 && fs.readWrite && fs.health.healthy()) {
                        fs.releaseIfUnused(i);
                    }
                }
            }
        } finally {
            if (removed) {
                fs.inodeLocks.unpin(f.lock);
            }
        }
    }

    /** Closes every descriptor (umount). */
    void closeAll() throws PfsException {
        List<Long> open;
        synchronized (fs) {
            open = new ArrayList<>(fds.keySet());
        }
        for (long fd : open) {
            close(fd);
        }
    }

    int read(long fd, ByteBuffer dst, long offset, boolean advance) throws PfsException {
        OpenFile f = file(fd);
        if (!f.canRead()) {
            throw new PfsException(Errno.EBADF, "descriptor " + fd + " is not open for reading");
        }
        if (!advance) {
            return readAt(f, fd, dst, offset);
        }
        synchronized (f) {
            int n = readAt(f, fd, dst, f.position);
            f.position += n;
            return n;
        }
    }

    /** A read: mapped under the metadata lock, read from the volume under the inode's shared lock. */
    private int readAt(OpenFile f, long fd, ByteBuffer dst, long at) throws PfsException {
        try (InodeLocks.Held held = fs.inodeLocks.lock(f.lock, false)) {
            DataPath data;
            DataPath.ReadPlan plan;
            long mapTime;
            synchronized (fs) {
                Inode i = current(f, fd);
                if (i.isDir()) {
                    throw new PfsException(Errno.EISDIR, "descriptor " + fd + " is a directory");
                }
                if (at < 0) {
                    throw new PfsException(Errno.EINVAL, "negative offset " + at);
                }
                mapTime = fs.mapTime();
                fs.checkMapFresh(mapTime, "read");
                data = fs.data;
                plan = data.planRead(i, dst.remaining(), at);
            }
            int start = dst.position();
            int n = data.read(plan, dst);
            try {
                fs.checkMapFresh(mapTime, "read");
            } catch (PfsException e) {
                dst.position(start);
                throw e;
            }
            return n;
        }
    }

    int write(long fd, ByteBuffer src, long offset, boolean advance) throws PfsException {
        OpenFile f = file(fd);
        if (!f.canWrite()) {
            throw new PfsException(Errno.EBADF, "descriptor " + fd + " is not open for writing");
        }
        if (offset < 0) {
            throw new PfsException(Errno.EINVAL, "negative offset " + offset);
        }
        int total = src.remaining();
        if (advance) {
            synchronized (f) {
                f.position = writeAt(f, fd, src, f.position, (f.flags & OpenFlags.O_APPEND) != 0);
            }
        } else {
            writeAt(f, fd, src, offset, false);
        }
        if ((f.flags & OpenFlags.O_DSYNC) != 0) {
            sync(fd, (f.flags & OpenFlags.O_SYNC) == OpenFlags.O_SYNC);
        }
        return total;
    }

    /**
     * The route of a write. The inode's lock is shared for a sector-aligned overwrite of written
     * blocks inside the file, else exclusive; under it, per piece of at most 8 MB: (1) under the
     * metadata lock, plan: map the range, reserve the tags of new blocks; (2) without it, write
     * the data to the volume; (3) under the metadata lock, publish: tags, size and mtime into the
     * open transaction ({@link FsState#wrote}), or on failure give the tags back and count the
     * error against the file. Durable at the next commit (fsync, O_DSYNC, the tick). A write
     * inside the file plans its first piece in the same pass under the metadata lock as its
     * checks, so that the usual write takes that lock twice.
     *
     * @return the offset after the last byte written
     */
    private long writeAt(OpenFile f, long fd, ByteBuffer src, long position, boolean append) throws PfsException {
        int total = src.remaining();
        boolean exclusive = false;
        while (true) {
            try (InodeLocks.Held held = fs.inodeLocks.lock(f.lock, exclusive)) {
                Inode i;
                long at;
                long size;
                DataPath data;
                DataPath.WritePlan first = null;
                synchronized (fs) {
                    fs.checkWritable("write");
                    i = current(f, fd);
                    data = fs.data;
                    at = append ? i.size : position;
                    if (at > MAX_FILE_SIZE - total) {
                        throw new PfsException(Errno.EFBIG, "write of " + total + " bytes at " + at
                                + " passes the largest file size");
                    }
                    if (!exclusive) {
                        if (total <= WRITE_PIECE) {
                            first = data.planOverwrite(i, at, total);
                        }
                        if (first == null && (total <= WRITE_PIECE || !data.isPlainOverwrite(i, at, total))) {
                            exclusive = true;
                            continue;
                        }
                    }
                    if (exclusive) {
                        fs.ensureSpace(data.blocksNeeded(i, at, total), () -> "descriptor " + fd);
                    }
                    size = i.size;
                    if (first == null && at <= size) {
                        first = data.planWrite(i, at, Math.min(WRITE_PIECE, total));
                    }
                }
                if (at > size) {
                    long bs = data.blockSize();
                    zeroTail(i, data, size, Math.min(at, (size + bs - 1) / bs * bs));
                }
                for (int done = 0; done < total; ) {
                    int n = Math.min(WRITE_PIECE, total - done);
                    // The piece's bytes start at src's position; writing them does not move it.
                    ByteBuffer piece = n == total ? src : src.slice(src.position(), n);
                    writePiece(i, data, piece, at + done, first, exclusive);
                    first = null;
                    src.position(src.position() + n);
                    done += n;
                }
                return at + total;
            }
        }
    }

    /**
     * Writes {@code piece} at {@code at}: plan (unless {@code planned}), volume I/O, publish.
     * {@code allocating}: the write holds the inode's exclusive lock and may need new blocks; a
     * plain overwrite (shared lock) allocates none, and its file's map cannot change meanwhile.
     */
    private void writePiece(Inode i, DataPath data, ByteBuffer piece, long at, DataPath.WritePlan planned,
                            boolean allocating) throws PfsException {
        DataPath.WritePlan plan = planned;
        if (plan == null) {
            synchronized (fs) {
                fs.checkWritable("write");
                if (allocating) {
                    // Other files' writes may have taken blocks since the check before the first piece.
                    fs.ensureSpace(data.blocksNeeded(i, at, piece.remaining()), () -> "write of inode " + i.ino);
                }
                plan = data.planWrite(i, at, piece.remaining());
            }
        }
        transfer(i, data, plan, piece);
        synchronized (fs) {
            fs.wrote(i, plan, at + piece.remaining());
            fs.commitIfLarge();
        }
    }

    /** Zeroes the old last block's tail {@code [from, to)} before a write past the end exposes it. */
    private void zeroTail(Inode i, DataPath data, long from, long to) throws PfsException {
        DataPath.WritePlan plan;
        synchronized (fs) {
            plan = data.planZero(i, from, to);
        }
        if (plan == null) {
            return;
        }
        transfer(i, data, plan, ByteBuffer.allocateDirect((int) (to - from)));
        synchronized (fs) {
            fs.zeroed(i);
        }
    }

    /** The volume I/O of a plan, holding no lock but the inode's; a failure counts against the file. */
    private void transfer(Inode i, DataPath data, DataPath.WritePlan plan, ByteBuffer src) throws PfsException {
        try {
            data.write(plan, src);
        } catch (PfsException e) {
            synchronized (fs) {
                data.abandon(plan);
                fs.dataWriteFailed(i.ino, e);
            }
            throw e;
        }
    }

    long lseek(long fd, long offset, int whence) throws PfsException {
        OpenFile f = file(fd);
        synchronized (f) {
            synchronized (fs) {
                return seek(f, offset, whence);
            }
        }
    }

    private long seek(OpenFile f, long offset, int whence) throws PfsException {
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
     * fsync (all = true) or fdatasync: seals what the file's data needs (or only asks for a
     * flush) and waits for the group commit that covers it, holding no lock. Reports, once per
     * descriptor, a write or flush failure that covered this file's data.
     */
    void sync(long fd, boolean all) throws PfsException {
        OpenFile f;
        long seq;
        synchronized (fs) {
            f = file(fd);
            reportErrors(f, fd, false);
            if (!fs.readWrite) {
                return;
            }
            seq = fs.sealForSync(fs.inode(f.ino, f.generation), all);
        }
        fs.awaitDurable(seq);
        // A failure is counted before the call or commit it failed returns: with none ever counted, nothing is pending.
        if (fs.writeErrors.anyFailed()) {
            synchronized (fs) {
                reportErrors(f, fd, true);
            }
        }
    }

    /**
     * Throws EIO once if a write error of {@code f}'s file is pending that {@code f} has not seen;
     * {@code during}: found after this sync waited (else before it started). Metadata lock.
     */
    private void reportErrors(OpenFile f, long fd, boolean during) throws PfsException {
        long seen = fs.writeErrors.report(f.ino, f.seenErrors);
        if (seen != f.seenErrors) {
            f.seenErrors = seen;
            throw new PfsException(Errno.EIO, during ? "writing back the data of descriptor " + fd + " failed"
                    : "an earlier write-back of descriptor " + fd + " failed");
        }
    }

    void ftruncate(long fd, long length) throws PfsException {
        OpenFile f = file(fd);
        if (!f.canWrite()) {
            throw new PfsException(Errno.EINVAL, "descriptor " + fd + " is not open for writing");
        }
        withInodeLock(fd, (o, i) -> names.truncateInode(i, length, "descriptor " + fd));
    }

    PfsStat fstat(long fd) throws PfsException {
        synchronized (fs) {
            OpenFile f = file(fd);
            return fs.stat(fs.inode(f.ino, f.generation));
        }
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
        withInodeLock(fd, (o, i) -> allocate(i, mode, offset, length, "descriptor " + fd));
    }

    /** fallocate's work, under the inode's exclusive lock and the metadata lock. */
    private void allocate(Inode i, int mode, long offset, long length, String what) throws PfsException {
        fs.checkWritable("fallocate");
        if (i.isDir()) {
            throw new PfsException(Errno.EISDIR, what + " is a directory");
        }
        long end = offset + length;
        long bs = fs.data.blockSize();
        if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) != 0) {
            clearRange(i, mode, offset, end);
        } else {
            allocateRange(i, offset, end, what);
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
        fs.ensureSpace(need, () -> what);
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
