package dev.pfs.fuse;

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
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A test-only, in-memory {@link Pfs}: enough POSIX to exercise the FUSE mapping without the
 * real libpfs, plus fault injection (a failing fsync). One lock; data in 64 KiB pages.
 */
final class MemoryPfs implements Pfs {
    private static final int PAGE = 1 << 16;

    private static final class Inode {
        final long ino;
        int mode;
        int nlink = 1;
        int uid;
        int gid;
        long size;
        long atime;
        long mtime;
        long ctime;
        final Map<Long, byte[]> pages = new HashMap<>();
        final TreeMap<String, Inode> children = new TreeMap<>();
        String target;

        Inode(long ino, int mode) {
            this.ino = ino;
            this.mode = mode;
            atime = mtime = ctime = System.currentTimeMillis() * 1_000_000L;
        }

        FileType type() {
            return new PfsStat(0, mode, 0, 0, 0, 0, 0, 0, 0, 0, 0).type();
        }
    }

    private record Open(Inode inode, int flags, long[] offset) {
    }

    private final Inode root = new Inode(1, FileType.DIRECTORY.modeBits() | 0755);
    private final Map<Long, Open> fds = new HashMap<>();
    private long preads;
    private long nextIno = 2;
    private long nextFd = 3;
    private volatile boolean failFsync;

    MemoryPfs() {
        root.nlink = 2;
    }

    /** Makes every following fsync fail with EIO (a lost write). */
    void failFsyncs() {
        failFsync = true;
    }

    private Inode lookup(String path, boolean followLast) throws PfsException {
        return lookup(path, followLast, 0);
    }

    private Inode lookup(String path, boolean followLast, int depth) throws PfsException {
        if (depth > 8) {
            throw new PfsException(Errno.ELOOP, path);
        }
        Inode cur = root;
        String[] parts = path.split("/");
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].isEmpty()) {
                continue;
            }
            if (cur.type() != FileType.DIRECTORY) {
                throw new PfsException(Errno.ENOTDIR, path);
            }
            Inode next = cur.children.get(parts[i]);
            if (next == null) {
                throw new PfsException(Errno.ENOENT, path);
            }
            boolean last = i == parts.length - 1;
            if (next.type() == FileType.SYMLINK && (!last || followLast)) {
                next = lookup(next.target.startsWith("/") ? next.target : "/" + next.target, true, depth + 1);
            }
            cur = next;
        }
        return cur;
    }

    private Inode parent(String path) throws PfsException {
        int slash = path.lastIndexOf('/');
        Inode p = lookup(slash <= 0 ? "/" : path.substring(0, slash), true);
        if (p.type() != FileType.DIRECTORY) {
            throw new PfsException(Errno.ENOTDIR, path);
        }
        return p;
    }

    private static String name(String path) throws PfsException {
        String n = path.substring(path.lastIndexOf('/') + 1);
        if (n.length() > 255) {
            throw new PfsException(Errno.ENAMETOOLONG, path);
        }
        return n;
    }

    private Inode create(String path, int mode) throws PfsException {
        Inode p = parent(path);
        String n = name(path);
        if (p.children.containsKey(n)) {
            throw new PfsException(Errno.EEXIST, path);
        }
        Inode i = new Inode(nextIno++, mode);
        p.children.put(n, i);
        return i;
    }

    private Open fd(long fd) throws PfsException {
        Open o = fds.get(fd);
        if (o == null) {
            throw new PfsException(Errno.EBADF, "fd " + fd);
        }
        return o;
    }

    @Override
    public synchronized long open(String path, int flags, int mode) throws PfsException {
        Inode i;
        try {
            i = lookup(path, true);
            if ((flags & OpenFlags.O_CREAT) != 0 && (flags & OpenFlags.O_EXCL) != 0) {
                throw new PfsException(Errno.EEXIST, path);
            }
        } catch (PfsException e) {
            if (e.errno() != Errno.ENOENT || (flags & OpenFlags.O_CREAT) == 0) {
                throw e;
            }
            i = create(path, FileType.REGULAR.modeBits() | (mode & 07777));
        }
        if (i.type() == FileType.DIRECTORY && (flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY) {
            throw new PfsException(Errno.EISDIR, path);
        }
        if ((flags & OpenFlags.O_TRUNC) != 0 && i.type() == FileType.REGULAR) {
            resize(i, 0);
        }
        fds.put(nextFd, new Open(i, flags, new long[1]));
        return nextFd++;
    }

    @Override
    public synchronized void close(long fd) throws PfsException {
        if (fds.remove(fd) == null) {
            throw new PfsException(Errno.EBADF, "fd " + fd);
        }
    }

    @Override
    public synchronized int read(long fd, ByteBuffer dst) throws PfsException {
        Open o = fd(fd);
        int n = pread(fd, dst, o.offset[0]);
        o.offset[0] += n;
        return n;
    }

    @Override
    public synchronized int write(long fd, ByteBuffer src) throws PfsException {
        Open o = fd(fd);
        long at = (o.flags & OpenFlags.O_APPEND) != 0 ? o.inode.size : o.offset[0];
        int n = pwrite(fd, src, at);
        o.offset[0] = at + n;
        return n;
    }

    /** @return how many preads reached this file system (what the kernel did not serve from its cache) */
    synchronized long preads() {
        return preads;
    }

    @Override
    public synchronized int pread(long fd, ByteBuffer dst, long offset) throws PfsException {
        preads++;
        Inode i = fd(fd).inode;
        int n = (int) Math.max(0, Math.min(dst.remaining(), i.size - offset));
        for (int k = 0; k < n; k++) {
            long pos = offset + k;
            byte[] page = i.pages.get(pos / PAGE);
            dst.put(page == null ? 0 : page[(int) (pos % PAGE)]);
        }
        return n;
    }

    @Override
    public synchronized int pwrite(long fd, ByteBuffer src, long offset) throws PfsException {
        Open o = fd(fd);
        if ((o.flags & OpenFlags.O_ACCMODE) == OpenFlags.O_RDONLY) {
            throw new PfsException(Errno.EBADF, "fd " + fd + " is read-only");
        }
        Inode i = o.inode;
        int n = src.remaining();
        for (int k = 0; k < n; k++) {
            long pos = offset + k;
            i.pages.computeIfAbsent(pos / PAGE, x -> new byte[PAGE])[(int) (pos % PAGE)] = src.get();
        }
        i.size = Math.max(i.size, offset + n);
        i.mtime = System.currentTimeMillis() * 1_000_000L;
        return n;
    }

    @Override
    public synchronized long lseek(long fd, long offset, int whence) throws PfsException {
        Open o = fd(fd);
        o.offset[0] = switch (whence) {
            case OpenFlags.SEEK_SET -> offset;
            case OpenFlags.SEEK_CUR -> o.offset[0] + offset;
            default -> o.inode.size + offset;
        };
        return o.offset[0];
    }

    @Override
    public synchronized void fsync(long fd) throws PfsException {
        fd(fd);
        if (failFsync) {
            throw new PfsException(Errno.EIO, "injected fsync failure");
        }
    }

    @Override
    public void fdatasync(long fd) throws PfsException {
        fsync(fd);
    }

    private static void resize(Inode i, long length) {
        if (length < i.size) {
            i.pages.keySet().removeIf(p -> p * PAGE >= length);
            byte[] last = i.pages.get(length / PAGE);
            if (last != null) {
                java.util.Arrays.fill(last, (int) (length % PAGE), PAGE, (byte) 0);
            }
        }
        i.size = length;
    }

    @Override
    public synchronized void truncate(String path, long length) throws PfsException {
        resize(lookup(path, true), length);
    }

    @Override
    public synchronized void ftruncate(long fd, long length) throws PfsException {
        resize(fd(fd).inode, length);
    }

    @Override
    public synchronized void fallocate(long fd, int mode, long offset, long length) throws PfsException {
        Inode i = fd(fd).inode;
        if ((mode & OpenFlags.FALLOC_FL_KEEP_SIZE) == 0) {
            i.size = Math.max(i.size, offset + length);
        }
    }

    @Override
    public synchronized void unlink(String path) throws PfsException {
        Inode p = parent(path);
        Inode i = p.children.get(name(path));
        if (i == null) {
            throw new PfsException(Errno.ENOENT, path);
        }
        if (i.type() == FileType.DIRECTORY) {
            throw new PfsException(Errno.EISDIR, path);
        }
        p.children.remove(name(path));
        i.nlink--;
    }

    @Override
    public synchronized void rename(String from, String to) throws PfsException {
        Inode fp = parent(from);
        Inode i = fp.children.get(name(from));
        if (i == null) {
            throw new PfsException(Errno.ENOENT, from);
        }
        Inode tp = parent(to);
        Inode old = tp.children.get(name(to));
        if (old != null && old.type() == FileType.DIRECTORY && !old.children.isEmpty()) {
            throw new PfsException(Errno.ENOTEMPTY, to);
        }
        fp.children.remove(name(from));
        tp.children.put(name(to), i);
    }

    @Override
    public synchronized void link(String existing, String newPath) throws PfsException {
        Inode i = lookup(existing, false);
        Inode p = parent(newPath);
        if (p.children.putIfAbsent(name(newPath), i) != null) {
            throw new PfsException(Errno.EEXIST, newPath);
        }
        i.nlink++;
    }

    @Override
    public synchronized void symlink(String target, String linkPath) throws PfsException {
        create(linkPath, FileType.SYMLINK.modeBits() | 0777).target = target;
    }

    @Override
    public synchronized String readlink(String path) throws PfsException {
        Inode i = lookup(path, false);
        if (i.type() != FileType.SYMLINK) {
            throw new PfsException(Errno.EINVAL, path);
        }
        return i.target;
    }

    private static PfsStat stat(Inode i) {
        long size = i.type() == FileType.SYMLINK ? i.target.length() : i.size;
        return new PfsStat(i.ino, i.mode, i.nlink, i.uid, i.gid, size, i.pages.size() * (PAGE / 512L),
                4096, i.atime, i.mtime, i.ctime);
    }

    @Override
    public synchronized PfsStat stat(String path) throws PfsException {
        return stat(lookup(path, true));
    }

    @Override
    public synchronized PfsStat lstat(String path) throws PfsException {
        return stat(lookup(path, false));
    }

    @Override
    public synchronized PfsStat fstat(long fd) throws PfsException {
        return stat(fd(fd).inode);
    }

    @Override
    public synchronized void chmod(String path, int mode) throws PfsException {
        Inode i = lookup(path, true);
        i.mode = (i.mode & FileType.S_IFMT) | (mode & 07777);
    }

    @Override
    public synchronized void chown(String path, int uid, int gid) throws PfsException {
        chownInode(lookup(path, true), uid, gid);
    }

    private static void chownInode(Inode i, int uid, int gid) {
        if (uid != -1) {
            i.uid = uid;
        }
        if (gid != -1) {
            i.gid = gid;
        }
    }

    @Override
    public synchronized void utimens(String path, long atimeNs, long mtimeNs) throws PfsException {
        times(lookup(path, true), atimeNs, mtimeNs);
    }

    private static void times(Inode i, long atimeNs, long mtimeNs) {
        if (atimeNs >= 0) {
            i.atime = atimeNs;
        }
        if (mtimeNs >= 0) {
            i.mtime = mtimeNs;
        }
    }

    @Override
    public synchronized void mkdir(String path, int mode) throws PfsException {
        create(path, FileType.DIRECTORY.modeBits() | (mode & 07777)).nlink = 2;
    }

    @Override
    public synchronized void rmdir(String path) throws PfsException {
        Inode p = parent(path);
        Inode i = p.children.get(name(path));
        if (i == null) {
            throw new PfsException(Errno.ENOENT, path);
        }
        if (i.type() != FileType.DIRECTORY) {
            throw new PfsException(Errno.ENOTDIR, path);
        }
        if (!i.children.isEmpty()) {
            throw new PfsException(Errno.ENOTEMPTY, path);
        }
        p.children.remove(name(path));
    }

    @Override
    public synchronized List<DirEntry> readdir(String path) throws PfsException {
        Inode d = lookup(path, true);
        if (d.type() != FileType.DIRECTORY) {
            throw new PfsException(Errno.ENOTDIR, path);
        }
        List<DirEntry> out = new ArrayList<>();
        d.children.forEach((n, i) -> out.add(new DirEntry(n, i.ino, i.type())));
        return out;
    }

    @Override
    public synchronized void access(String path, int mode) throws PfsException {
        lookup(path, true);
    }

    @Override
    public synchronized long open(String path, int flags, int mode, Owner owner) throws PfsException {
        boolean creates = (flags & OpenFlags.O_CREAT) != 0 && !exists(path);
        long fd = open(path, flags, mode);
        if (creates) {
            own(fd(fd).inode, owner);
        }
        return fd;
    }

    @Override
    public synchronized void mkdir(String path, int mode, Owner owner) throws PfsException {
        mkdir(path, mode);
        own(lookup(path, false), owner);
    }

    @Override
    public synchronized void symlink(String target, String linkPath, Owner owner) throws PfsException {
        symlink(target, linkPath);
        own(lookup(linkPath, false), owner);
    }

    @Override
    public synchronized void mknod(String path, int mode, int rdev, Owner owner) throws PfsException {
        own(create(path, mode), owner);
    }

    @Override
    public synchronized void rename(String from, String to, int flags) throws PfsException {
        if (flags == RENAME_NOREPLACE && exists(to)) {
            throw new PfsException(Errno.EEXIST, to);
        }
        if (flags == RENAME_EXCHANGE) {
            Inode a = lookup(from, false);
            Inode b = lookup(to, false);
            parent(from).children.put(name(from), b);
            parent(to).children.put(name(to), a);
            return;
        }
        rename(from, to);
    }

    @Override
    public synchronized void linkat(long fd, String newPath) throws PfsException {
        Inode i = fd(fd).inode;
        if (parent(newPath).children.putIfAbsent(name(newPath), i) != null) {
            throw new PfsException(Errno.EEXIST, newPath);
        }
        i.nlink++;
    }

    @Override
    public synchronized void fchmod(long fd, int mode) throws PfsException {
        Inode i = fd(fd).inode;
        i.mode = (i.mode & FileType.S_IFMT) | (mode & 07777);
    }

    @Override
    public synchronized void fchown(long fd, int uid, int gid) throws PfsException {
        chownInode(fd(fd).inode, uid, gid);
    }

    @Override
    public synchronized void futimens(long fd, long atimeNs, long mtimeNs) throws PfsException {
        times(fd(fd).inode, atimeNs, mtimeNs);
    }

    @Override
    public synchronized void lchown(String path, int uid, int gid) throws PfsException {
        chownInode(lookup(path, false), uid, gid);
    }

    @Override
    public synchronized void lutimens(String path, long atimeNs, long mtimeNs) throws PfsException {
        times(lookup(path, false), atimeNs, mtimeNs);
    }

    private boolean exists(String path) {
        try {
            lookup(path, false);
            return true;
        } catch (PfsException e) {
            return false;
        }
    }

    private static void own(Inode i, Owner owner) {
        i.uid = owner.uid();
        i.gid = owner.gid();
    }

    @Override
    public void addReplayListener(dev.pfs.core.ReplayListener listener) {
        // a memory file system has no journal to follow
    }

    @Override
    public PfsStatFs statfs() {
        return new PfsStatFs(4096, 1 << 20, 1 << 19, 1 << 16, 1 << 15, 255);
    }

    @Override
    public void growfs() {
    }

    @Override
    public boolean isReadWrite() {
        return true;
    }

    @Override
    public long epoch() {
        return 1;
    }

    @Override
    public void close() {
    }

    // ---- extended attributes: this fake answers as a file system without them

    private static PfsException noXattrs() {
        return new PfsException(Errno.EOPNOTSUPP, "the in-memory fake has no extended attributes");
    }

    @Override
    public int getxattr(String path, boolean follow, String name, ByteBuffer value, Caller caller)
            throws PfsException {
        throw noXattrs();
    }

    @Override
    public int fgetxattr(long fd, String name, ByteBuffer value, Caller caller) throws PfsException {
        throw noXattrs();
    }

    @Override
    public void setxattr(String path, boolean follow, String name, ByteBuffer value, int flags, Caller caller)
            throws PfsException {
        throw noXattrs();
    }

    @Override
    public void fsetxattr(long fd, String name, ByteBuffer value, int flags, Caller caller) throws PfsException {
        throw noXattrs();
    }

    @Override
    public int listxattr(String path, boolean follow, ByteBuffer list, Caller caller) throws PfsException {
        throw noXattrs();
    }

    @Override
    public int flistxattr(long fd, ByteBuffer list, Caller caller) throws PfsException {
        throw noXattrs();
    }

    @Override
    public void removexattr(String path, boolean follow, String name, Caller caller) throws PfsException {
        throw noXattrs();
    }

    @Override
    public void fremovexattr(long fd, String name, Caller caller) throws PfsException {
        throw noXattrs();
    }
}
