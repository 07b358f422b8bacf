package dev.pfs.core.fs;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.core.Caller;
import dev.pfs.core.DirEntry;
import dev.pfs.core.Errno;
import dev.pfs.core.Owner;
import dev.pfs.core.ReplayListener;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.PfsStat;
import dev.pfs.core.PfsStatFs;
import dev.pfs.core.layout.MetaSlotDescriptor;
import dev.pfs.core.layout.MetaType;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A mounted volume: every {@link Pfs} call checks the mount is open and runs one of
 * {@link FileOps}, {@link NameOps} or {@link XattrOps}; a call that sealed a commit waits for it on its way out,
 * holding no lock.
 *
 * <p><b>Lock order</b> (outer first; a thread holding one may take only those below it):
 * <ol>
 *   <li>a descriptor's monitor ({@code FileOps.OpenFile}): read, write and lseek that use or
 *       move its position;</li>
 *   <li>one inode's data lock ({@link InodeLocks}): shared for reads and sector-aligned
 *       overwrites inside the file, exclusive for writes that allocate or extend, truncate,
 *       fallocate and close; held across that file's volume I/O, and never two at once;</li>
 *   <li>the metadata lock, the {@link FsState} monitor: namespace calls, descriptor table changes,
 *       planning and publishing a data transfer, sealing a commit, the RO follower's apply and
 *       swap. Held for in-memory work only, except where a rare call has nothing to overlap with:
 *       mount, umount, growfs, a symlink's target, truncate/fallocate zeroing a partial block,
 *       and an allocation that must first make freed blocks durable;</li>
 *   <li>the commit turn ({@link MetaCommitter#lead}): one thread's journal append or checkpoint
 *       with its flushes; it takes no lock above it;</li>
 *   <li>leaves that call nothing: the committer's queue, {@link WriteErrors}, {@link MountHealth},
 *       the {@link InodeLocks} registry, the lease's state, the volume's own locks.</li>
 * </ol>
 * The lease thread takes none of these, so no call can cost the lease.
 */
final class PfsMount implements Pfs {
    /** Work a mount runs in the background (lease renewal, RO journal tailing), stopped at umount. */
    interface Background {
        void stop();
    }

    private final FsState fs;
    private final FileOps files;
    private final NameOps names;
    private final XattrOps xattrs;
    private final MountSupport support;
    private volatile boolean closed;

    PfsMount(FsState fs, MountSupport support) {
        this.fs = fs;
        this.names = new NameOps(fs);
        this.files = new FileOps(fs, names);
        this.xattrs = new XattrOps(fs);
        this.support = support;
    }

    /** The mount's lock and state, for its background work. */
    FsState state() {
        return fs;
    }

    private void open() throws PfsException {
        if (closed) {
            throw new PfsException(Errno.EBADF, "the file system was unmounted");
        }
    }

    /** A call that returns a value. */
    private interface Call<T> {
        T run() throws PfsException;
    }

    /** A call that returns nothing. */
    private interface VoidCall {
        void run() throws PfsException;
    }

    /** A call under the metadata lock (names, attributes); waits for its commit after releasing it. */
    private <T> T call(Call<T> c) throws PfsException {
        T result;
        try {
            synchronized (fs) {
                open();
                result = c.run();
            }
        } catch (PfsException | RuntimeException e) {
            fs.dropRequest();
            throw e;
        }
        fs.awaitRequested();
        return result;
    }

    private void run(VoidCall c) throws PfsException {
        call(() -> {
            c.run();
            return null;
        });
    }

    /** A call that takes its own locks (data, descriptors); waits for its commit after releasing them. */
    private <T> T unlocked(Call<T> c) throws PfsException {
        T result;
        try {
            open();
            result = c.run();
        } catch (PfsException | RuntimeException e) {
            fs.dropRequest();
            throw e;
        }
        fs.awaitRequested();
        return result;
    }

    /** A data transfer that returns its byte count. */
    private interface CountCall {
        int run() throws PfsException;
    }

    /** {@link #unlocked} for reads and writes, without boxing their counts. */
    private int unlockedCount(CountCall c) throws PfsException {
        int n;
        try {
            open();
            n = c.run();
        } catch (PfsException | RuntimeException e) {
            fs.dropRequest();
            throw e;
        }
        fs.awaitRequested();
        return n;
    }

    private void unlockedRun(VoidCall c) throws PfsException {
        unlocked(() -> {
            c.run();
            return null;
        });
    }

    /**
     * Runs {@code c} with the inode {@code path} names locked exclusively, so that no volume I/O
     * of that file is in flight (truncate by name): resolves, locks, and resolves again.
     */
    @SuppressWarnings("try") // the InodeLocks.Held is a lock guard
    private void withPathLocked(String path, VoidCall c) throws PfsException {
        unlockedRun(() -> {
            while (true) {
                long ino;
                synchronized (fs) {
                    ino = fs.walker.resolve(path, true).ino;
                }
                try (InodeLocks.Held held = fs.inodeLocks.lock(ino, true)) {
                    synchronized (fs) {
                        open();
                        if (fs.walker.resolve(path, true).ino == ino) {
                            c.run();
                            return;
                        }
                    }
                }
            }
        });
    }

    @Override
    public long open(String path, int flags, int mode) throws PfsException {
        return unlocked(() -> files.open(path, flags, mode, Owner.ROOT));
    }

    @Override
    public void close(long fd) throws PfsException {
        unlockedRun(() -> files.close(fd));
    }

    @Override
    public int read(long fd, ByteBuffer dst) throws PfsException {
        return unlockedCount(() -> files.read(fd, dst, 0, true));
    }

    @Override
    public int write(long fd, ByteBuffer src) throws PfsException {
        return unlockedCount(() -> files.write(fd, src, 0, true));
    }

    @Override
    public int pread(long fd, ByteBuffer dst, long offset) throws PfsException {
        return unlockedCount(() -> files.read(fd, dst, offset, false));
    }

    @Override
    public int pwrite(long fd, ByteBuffer src, long offset) throws PfsException {
        return unlockedCount(() -> files.write(fd, src, offset, false));
    }

    @Override
    public long lseek(long fd, long offset, int whence) throws PfsException {
        return unlocked(() -> files.lseek(fd, offset, whence));
    }

    @Override
    public void fsync(long fd) throws PfsException {
        unlockedRun(() -> files.sync(fd, true));
    }

    @Override
    public void fdatasync(long fd) throws PfsException {
        unlockedRun(() -> files.sync(fd, false));
    }

    @Override
    public void truncate(String path, long length) throws PfsException {
        withPathLocked(path, () -> names.truncate(path, length));
    }

    @Override
    public void ftruncate(long fd, long length) throws PfsException {
        unlockedRun(() -> files.ftruncate(fd, length));
    }

    @Override
    public void fallocate(long fd, int mode, long offset, long length) throws PfsException {
        unlockedRun(() -> files.fallocate(fd, mode, offset, length));
    }

    @Override
    public void unlink(String path) throws PfsException {
        run(() -> names.unlink(path));
    }

    @Override
    public void rename(String from, String to) throws PfsException {
        run(() -> names.rename(from, to));
    }

    @Override
    public void link(String existing, String newPath) throws PfsException {
        run(() -> names.link(existing, newPath));
    }

    @Override
    public void symlink(String target, String linkPath) throws PfsException {
        run(() -> names.symlink(target, linkPath, Owner.ROOT));
    }

    @Override
    public String readlink(String path) throws PfsException {
        return call(() -> names.readlink(path));
    }

    @Override
    public PfsStat stat(String path) throws PfsException {
        return call(() -> names.stat(path, true));
    }

    @Override
    public PfsStat lstat(String path) throws PfsException {
        return call(() -> names.stat(path, false));
    }

    @Override
    public PfsStat fstat(long fd) throws PfsException {
        return unlocked(() -> files.fstat(fd));
    }

    @Override
    public void chmod(String path, int mode) throws PfsException {
        run(() -> names.chmod(path, mode));
    }

    @Override
    public void chown(String path, int uid, int gid) throws PfsException {
        run(() -> names.chown(path, uid, gid));
    }

    @Override
    public void utimens(String path, long atimeNs, long mtimeNs) throws PfsException {
        run(() -> names.utimens(path, atimeNs, mtimeNs));
    }

    @Override
    public void mkdir(String path, int mode) throws PfsException {
        run(() -> names.mkdir(path, mode, Owner.ROOT));
    }

    @Override
    public void rmdir(String path) throws PfsException {
        run(() -> names.rmdir(path));
    }

    @Override
    public List<DirEntry> readdir(String path) throws PfsException {
        return call(() -> names.readdir(path));
    }

    @Override
    public void access(String path, int mode) throws PfsException {
        run(() -> names.access(path, mode));
    }

    @Override
    public long open(String path, int flags, int mode, Owner owner) throws PfsException {
        return unlocked(() -> files.open(path, flags, mode, owner));
    }

    @Override
    public void mkdir(String path, int mode, Owner owner) throws PfsException {
        run(() -> names.mkdir(path, mode, owner));
    }

    @Override
    public void symlink(String target, String linkPath, Owner owner) throws PfsException {
        run(() -> names.symlink(target, linkPath, owner));
    }

    @Override
    public void mknod(String path, int mode, int rdev, Owner owner) throws PfsException {
        run(() -> names.mknod(path, mode, rdev, owner));
    }

    @Override
    public void rename(String from, String to, int flags) throws PfsException {
        run(() -> names.rename(from, to, flags));
    }

    @Override
    public void linkat(long fd, String newPath) throws PfsException {
        run(() -> names.linkInode(files.inode(fd), "descriptor " + fd, newPath));
    }

    @Override
    public void fchmod(long fd, int mode) throws PfsException {
        run(() -> names.changeAttributes("fchmod", files.inode(fd), "descriptor " + fd, NameOps.chmodChange(mode)));
    }

    @Override
    public void fchown(long fd, int uid, int gid) throws PfsException {
        run(() -> names.changeAttributes("fchown", files.inode(fd), "descriptor " + fd,
                NameOps.chownChange(uid, gid)));
    }

    @Override
    public void futimens(long fd, long atimeNs, long mtimeNs) throws PfsException {
        run(() -> names.changeAttributes("futimens", files.inode(fd), "descriptor " + fd,
                NameOps.utimensChange(atimeNs, mtimeNs)));
    }

    @Override
    public void lchown(String path, int uid, int gid) throws PfsException {
        run(() -> names.changeAttributes("lchown", fs.walker.resolve(path, false), path,
                NameOps.chownChange(uid, gid)));
    }

    @Override
    public void lutimens(String path, long atimeNs, long mtimeNs) throws PfsException {
        run(() -> names.changeAttributes("lutimens", fs.walker.resolve(path, false), path,
                NameOps.utimensChange(atimeNs, mtimeNs)));
    }

    @Override
    public int getxattr(String path, boolean follow, String name, ByteBuffer value, Caller caller)
            throws PfsException {
        return call(() -> xattrs.get(fs.walker.resolve(path, follow), name, value, caller));
    }

    @Override
    public int fgetxattr(long fd, String name, ByteBuffer value, Caller caller) throws PfsException {
        return call(() -> xattrs.get(files.inode(fd), name, value, caller));
    }

    @Override
    public void setxattr(String path, boolean follow, String name, ByteBuffer value, int flags, Caller caller)
            throws PfsException {
        run(() -> xattrs.set(fs.walker.resolve(path, follow), name, value, flags, caller, path));
    }

    @Override
    public void fsetxattr(long fd, String name, ByteBuffer value, int flags, Caller caller) throws PfsException {
        run(() -> xattrs.set(files.inode(fd), name, value, flags, caller, "descriptor " + fd));
    }

    @Override
    public int listxattr(String path, boolean follow, ByteBuffer list, Caller caller) throws PfsException {
        return call(() -> xattrs.list(fs.walker.resolve(path, follow), list, caller));
    }

    @Override
    public int flistxattr(long fd, ByteBuffer list, Caller caller) throws PfsException {
        return call(() -> xattrs.list(files.inode(fd), list, caller));
    }

    @Override
    public void removexattr(String path, boolean follow, String name, Caller caller) throws PfsException {
        run(() -> xattrs.remove(fs.walker.resolve(path, follow), name, caller, path));
    }

    @Override
    public void fremovexattr(long fd, String name, Caller caller) throws PfsException {
        run(() -> xattrs.remove(files.inode(fd), name, caller, "descriptor " + fd));
    }

    @Override
    public void addReplayListener(ReplayListener listener) {
        fs.replayListeners.add(listener);
    }

    @Override
    public PfsStatFs statfs() throws PfsException {
        return call(() -> new PfsStatFs(fs.data.blockSize(), fs.store.totalBlocks(),
                fs.store.freeBlocks() + fs.store.coolingBlocks(),
                fs.store.slots(MetaType.INODE), fs.store.slots(MetaType.INODE) - fs.store.usedInodes(),
                MetaSlotDescriptor.NAME_MAX));
    }

    @Override
    public void growfs() throws PfsException {
        run(() -> {
            fs.checkWritable("growfs");
            support.growfs(fs);
        });
    }

    @Override
    public boolean isReadWrite() {
        return fs.readWrite;
    }

    @Override
    public long epoch() {
        return support.epoch();
    }

    @Override
    public void close() throws PfsException {
        support.stopBackground();
        synchronized (fs) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            files.closeAll();
            fs.awaitRequested();
            if (fs.readWrite && fs.health.healthy()) {
                fs.checkpoint();
            }
        } finally {
            support.release();
        }
    }

    /** Test hook: descriptor numbers continue from {@code next}. */
    void skipDescriptors(long next) {
        files.skipDescriptors(next);
    }

    /** @return the volume this mount is on */
    BlockVolume volume() {
        return support.volume();
    }
}
