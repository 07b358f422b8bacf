package dev.pfs.core.fs;

import dev.pfs.core.DirEntry;
import dev.pfs.core.Errno;
import dev.pfs.core.FileType;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Owner;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.PfsStat;
import dev.pfs.core.meta.Dirent;
import dev.pfs.core.meta.Inode;
import dev.pfs.core.meta.MetaStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The calls on names: create, mkdir, rmdir, unlink, rename, link, symlink, attributes,
 * listing. Each validates everything first, then changes metadata in the open transaction.
 * Calls that free or move something (unlink, rmdir, rename, link, truncate) commit before
 * returning; creates and attribute changes wait for the next commit (an fsync of any file or
 * directory, one of those calls, the background tick or umount), see docs/core-pfs.md.
 */
final class NameOps {
    private final FsState fs;

    NameOps(FsState fs) {
        this.fs = fs;
    }

    private MetaStore store() {
        return fs.store;
    }

    /** Creates a new inode named by {@code p} (which names nothing yet), owned by {@code owner}. */
    Inode create(PathWalker.Parent p, FileType type, int mode, String path, Owner owner) throws PfsException {
        fs.checkWritable("create " + path);
        if (store().usedInodes() >= store().slots(dev.pfs.core.layout.MetaType.INODE) || store().freeDirents() == 0) {
            throw new PfsException(Errno.ENOSPC, "no free inode or direntry for " + path);
        }
        long now = FsState.now();
        Inode i = store().newInode(fs.txn(), type.modeBits() | (mode & 07777), owner.uid(), owner.gid(), now, fs.nextGeneration());
        if (type == FileType.DIRECTORY) {
            i.nlink = 2;
            fs.txn().touchInode(p.dir()).nlink++;
        }
        store().addDirent(fs.txn(), p.dir().ino, p.name(), i.ino);
        fs.txn().touchInode(p.dir());
        p.dir().mtimeNs = now;
        p.dir().ctimeNs = now;
        fs.commitIfLarge();
        return i;
    }

    void mkdir(String path, int mode, Owner owner) throws PfsException {
        PathWalker.Parent p = parentForCreate(path);
        create(p, FileType.DIRECTORY, mode, path, owner);
    }

    /** mknod(2) of a FIFO, socket, device or empty regular file. */
    void mknod(String path, int mode, int rdev, Owner owner) throws PfsException {
        FileType type = FileType.ofMode(mode);
        if (type == null || type == FileType.DIRECTORY || type == FileType.SYMLINK) {
            throw new PfsException(Errno.EINVAL, "mknod of type " + Integer.toOctalString(mode & FileType.S_IFMT)
                    + ": only regular files, FIFOs, sockets and devices: " + path);
        }
        PathWalker.Parent p = parentForCreate(path);
        Inode i = create(p, type, mode, path, owner);
        if (type == FileType.CHAR_DEVICE || type == FileType.BLOCK_DEVICE) {
            fs.txn().touchInode(i).rdev = rdev;
        }
    }

    private PathWalker.Parent parentForCreate(String path) throws PfsException {
        PathWalker.Parent p;
        try {
            p = fs.walker.parent(path);
        } catch (PfsException e) {
            if (e.errno() == Errno.EBUSY) {
                throw new PfsException(Errno.EEXIST, "file exists: " + path);
            }
            throw e;
        }
        if (p.inode() != null) {
            throw new PfsException(Errno.EEXIST, "file exists: " + path);
        }
        fs.checkWritable("create " + path);
        return p;
    }

    void symlink(String target, String linkPath, Owner owner) throws PfsException {
        if (target.isEmpty()) {
            throw new PfsException(Errno.ENOENT, "empty symlink target for " + linkPath);
        }
        byte[] t = target.getBytes(StandardCharsets.UTF_8);
        if (t.length > PathWalker.PATH_MAX || target.indexOf('\0') >= 0) {
            throw new PfsException(t.length > PathWalker.PATH_MAX ? Errno.ENAMETOOLONG : Errno.EINVAL,
                    "bad symlink target for " + linkPath);
        }
        PathWalker.Parent p = parentForCreate(linkPath);
        fs.ensureSpace(1, () -> linkPath);
        Inode i = create(p, FileType.SYMLINK, 0777, linkPath, owner);
        fs.data.write(i, ByteBuffer.wrap(t), 0, fs.txn());
        fs.committer.dataWritten(i.ino);
        fs.txn().touchInode(i).size = t.length;
        fs.commitIfLarge();
    }

    String readlink(String path) throws PfsException {
        Inode i = fs.walker.resolve(path, false);
        if (i.type() != FileType.SYMLINK) {
            throw new PfsException(Errno.EINVAL, "not a symbolic link: " + path);
        }
        return fs.readLink(i);
    }

    void unlink(String path) throws PfsException {
        PathWalker.Parent p = existing(path);
        if (p.inode().isDir()) {
            throw new PfsException(Errno.EISDIR, "is a directory: " + path);
        }
        fs.checkWritable("unlink " + path);
        dropName(p);
        fs.releaseIfUnused(p.inode());
    }

    void rmdir(String path) throws PfsException {
        PathWalker.Parent p = existing(path);
        if (!p.inode().isDir()) {
            throw new PfsException(Errno.ENOTDIR, "not a directory: " + path);
        }
        if (!store().entries(p.inode().ino).isEmpty()) {
            throw new PfsException(Errno.ENOTEMPTY, "directory not empty: " + path);
        }
        fs.checkWritable("rmdir " + path);
        dropName(p);
        fs.releaseIfUnused(p.inode());
    }

    private PathWalker.Parent existing(String path) throws PfsException {
        PathWalker.Parent p = fs.walker.parent(path);
        if (p.inode() == null) {
            throw new PfsException(Errno.ENOENT, "no such file or directory: " + path);
        }
        return p;
    }

    /** Removes the name {@code p} and the link it held (not committed). */
    private void dropName(PathWalker.Parent p) {
        long now = FsState.now();
        store().removeDirent(fs.txn(), p.dirent().id());
        unlinkInode(p.inode(), p.dir(), now);
        fs.txn().touchInode(p.dir());
        p.dir().mtimeNs = now;
        p.dir().ctimeNs = now;
    }

    private void unlinkInode(Inode i, Inode parent, long now) {
        fs.txn().touchInode(i);
        if (i.isDir()) {
            i.nlink = 0;
            fs.txn().touchInode(parent).nlink--;
        } else {
            i.nlink--;
        }
        i.ctimeNs = now;
    }

    void rename(String from, String to) throws PfsException {
        rename(from, to, 0);
    }

    /**
     * rename(2) with renameat2's flags: {@link dev.pfs.core.Pfs#RENAME_NOREPLACE} fails with
     * EEXIST if {@code to} exists, {@link dev.pfs.core.Pfs#RENAME_EXCHANGE} swaps two existing
     * names; both decided and done in one transaction.
     */
    void rename(String from, String to, int flags) throws PfsException {
        if ((flags & ~(Pfs.RENAME_NOREPLACE | Pfs.RENAME_EXCHANGE)) != 0
                || flags == (Pfs.RENAME_NOREPLACE | Pfs.RENAME_EXCHANGE)) {
            throw new PfsException(Errno.EINVAL, "bad rename flags " + flags);
        }
        if ((flags & Pfs.RENAME_EXCHANGE) != 0) {
            exchange(from, to);
            return;
        }
        PathWalker.Parent src = fs.walker.parent(from);
        PathWalker.Parent dst;
        try {
            dst = fs.walker.parent(to);
        } catch (PfsException e) {
            throw e.errno() == Errno.EBUSY ? new PfsException(Errno.EBUSY, "cannot replace '/'") : e;
        }
        if (src.inode() == null) {
            throw new PfsException(Errno.ENOENT, "no such file or directory: " + from);
        }
        Inode moving = src.inode();
        if (moving.isDir() && isAncestor(moving.ino, dst.dir().ino)) {
            throw new PfsException(Errno.EINVAL, "cannot move " + from + " into itself (" + to + ")");
        }
        Inode target = dst.inode();
        if (target != null && (flags & Pfs.RENAME_NOREPLACE) != 0) {
            throw new PfsException(Errno.EEXIST, "file exists: " + to);
        }
        if (target != null && target.isDir() && isAncestor(target.ino, src.dir().ino)) {
            throw new PfsException(Errno.ENOTEMPTY, "directory not empty: " + to + " holds " + from);
        }
        if (target != null) {
            if (target.ino == moving.ino) {
                return;
            }
            if (moving.isDir() && !target.isDir()) {
                throw new PfsException(Errno.ENOTDIR, "not a directory: " + to);
            }
            if (!moving.isDir() && target.isDir()) {
                throw new PfsException(Errno.EISDIR, "is a directory: " + to);
            }
            if (target.isDir() && !store().entries(target.ino).isEmpty()) {
                throw new PfsException(Errno.ENOTEMPTY, "directory not empty: " + to);
            }
        }
        fs.checkWritable("rename " + from);
        if (target == null && store().freeDirents() == 0) {
            throw new PfsException(Errno.ENOSPC, "no free direntry for " + to);
        }
        long now = FsState.now();
        store().removeDirent(fs.txn(), src.dirent().id());
        if (target != null) {
            store().retargetDirent(fs.txn(), dst.dirent().id(), moving.ino);
            unlinkInode(target, dst.dir(), now);
        } else {
            store().addDirent(fs.txn(), dst.dir().ino, dst.name(), moving.ino);
        }
        if (moving.isDir() && src.dir().ino != dst.dir().ino) {
            fs.txn().touchInode(src.dir()).nlink--;
            fs.txn().touchInode(dst.dir()).nlink++;
        }
        for (Inode d : List.of(src.dir(), dst.dir())) {
            fs.txn().touchInode(d);
            d.mtimeNs = now;
            d.ctimeNs = now;
        }
        fs.txn().touchInode(moving).ctimeNs = now;
        if (target != null) {
            fs.releaseIfUnused(target);
        } else {
            fs.commit();
        }
    }

    /** RENAME_EXCHANGE: both names exist and swap what they name, atomically. */
    private void exchange(String from, String to) throws PfsException {
        PathWalker.Parent a = existing(from);
        PathWalker.Parent b = existing(to);
        if (a.inode().ino == b.inode().ino) {
            return;
        }
        if ((a.inode().isDir() && isAncestor(a.inode().ino, b.dir().ino))
                || (b.inode().isDir() && isAncestor(b.inode().ino, a.dir().ino))) {
            throw new PfsException(Errno.EINVAL, "cannot exchange " + from + " with something inside it: " + to);
        }
        fs.checkWritable("rename " + from);
        long now = FsState.now();
        store().retargetDirent(fs.txn(), a.dirent().id(), b.inode().ino);
        store().retargetDirent(fs.txn(), b.dirent().id(), a.inode().ino);
        if (a.dir().ino != b.dir().ino && a.inode().isDir() != b.inode().isDir()) {
            Inode gainsDir = a.inode().isDir() ? b.dir() : a.dir();
            Inode losesDir = a.inode().isDir() ? a.dir() : b.dir();
            fs.txn().touchInode(gainsDir).nlink++;
            fs.txn().touchInode(losesDir).nlink--;
        }
        for (Inode i : List.of(a.dir(), b.dir())) {
            fs.txn().touchInode(i);
            i.mtimeNs = now;
            i.ctimeNs = now;
        }
        fs.txn().touchInode(a.inode()).ctimeNs = now;
        fs.txn().touchInode(b.inode()).ctimeNs = now;
        fs.commit();
    }

    private boolean isAncestor(long dir, long of) {
        long cur = of;
        while (true) {
            if (cur == dir) {
                return true;
            }
            Dirent up = store().direntOf(cur);
            if (up == null || cur == 1) {
                return false;
            }
            cur = up.parent();
        }
    }

    void link(String existing, String newPath) throws PfsException {
        linkInode(fs.walker.resolve(existing, false), existing, newPath);
    }

    /** link(2) of inode {@code i}, however it was reached (a path, or a descriptor for linkat). */
    void linkInode(Inode i, String existing, String newPath) throws PfsException {
        if (i.nlink == 0 && !i.isDir()) {
            throw new PfsException(Errno.ENOENT, "cannot link an unlinked file: " + existing);
        }
        PathWalker.Parent p = parentForCreate(newPath);
        if (i.isDir()) {
            throw new PfsException(Errno.EPERM, "cannot hard-link a directory: " + existing);
        }
        if (store().freeDirents() == 0) {
            throw new PfsException(Errno.ENOSPC, "no free direntry for " + newPath);
        }
        long now = FsState.now();
        store().addDirent(fs.txn(), p.dir().ino, p.name(), i.ino);
        fs.txn().touchInode(i).nlink++;
        i.ctimeNs = now;
        fs.txn().touchInode(p.dir()).mtimeNs = now;
        fs.commit();
    }

    PfsStat stat(String path, boolean follow) throws PfsException {
        return fs.stat(fs.walker.resolve(path, follow));
    }

    void chmod(String path, int mode) throws PfsException {
        changeAttributes("chmod", fs.walker.resolve(path, true), path, chmodChange(mode));
    }

    void chown(String path, int uid, int gid) throws PfsException {
        changeAttributes("chown", fs.walker.resolve(path, true), path, chownChange(uid, gid));
    }

    void utimens(String path, long atimeNs, long mtimeNs) throws PfsException {
        changeAttributes("utimens", fs.walker.resolve(path, true), path, utimensChange(atimeNs, mtimeNs));
    }

    static Consumer<Inode> chmodChange(int mode) {
        return i -> i.mode = (i.mode & FileType.S_IFMT) | (mode & 07777);
    }

    /**
     * chown as Linux does it: a change of owner or group of anything but a directory also clears
     * the set-user-ID bit, and the set-group-ID bit when the file is group-executable (for root too).
     */
    static Consumer<Inode> chownChange(int uid, int gid) {
        return i -> {
            if ((uid != -1 || gid != -1) && !i.isDir()) {
                i.mode &= ~(04000 | ((i.mode & 0010) != 0 ? 02000 : 0));
            }
            if (uid != -1) {
                i.uid = uid;
            }
            if (gid != -1) {
                i.gid = gid;
            }
        };
    }

    static Consumer<Inode> utimensChange(long atimeNs, long mtimeNs) {
        return i -> {
            if (atimeNs >= 0) {
                i.atimeNs = atimeNs;
            }
            if (mtimeNs >= 0) {
                i.mtimeNs = mtimeNs;
            }
        };
    }

    /** An attribute change: in the open transaction, with ctime, durable at the next commit. */
    void changeAttributes(String op, Inode i, String what, Consumer<Inode> change)
            throws PfsException {
        fs.checkWritable(op + " " + what);
        fs.txn().touchInode(i);
        change.accept(i);
        i.ctimeNs = FsState.now();
        fs.commitIfLarge();
    }

    List<DirEntry> readdir(String path) throws PfsException {
        Inode d = fs.walker.resolve(path, true);
        if (!d.isDir()) {
            throw new PfsException(Errno.ENOTDIR, "not a directory: " + path);
        }
        List<DirEntry> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : store().entries(d.ino).entrySet()) {
            Dirent de = store().dirents().get(e.getValue());
            Inode c = store().inode(de.child());
            out.add(new DirEntry(e.getKey(), de.child(), c == null ? FileType.REGULAR : c.type()));
        }
        return out;
    }

    void access(String path, int mode) throws PfsException {
        if ((mode & ~(OpenFlags.R_OK | OpenFlags.W_OK | OpenFlags.X_OK)) != 0) {
            throw new PfsException(Errno.EINVAL, "bad access mode " + mode);
        }
        fs.walker.resolve(path, true);
        if ((mode & OpenFlags.W_OK) != 0) {
            fs.checkWritable("access " + path);
        }
    }

    void truncate(String path, long length) throws PfsException {
        truncateInode(fs.walker.resolve(path, true), length, path);
    }

    void truncateInode(Inode i, long length, String what) throws PfsException {
        if (length < 0) {
            throw new PfsException(Errno.EINVAL, "negative length " + length + " for " + what);
        }
        if (i.isDir()) {
            throw new PfsException(Errno.EISDIR, "is a directory: " + what);
        }
        if (length > FileOps.MAX_FILE_SIZE) {
            throw new PfsException(Errno.EFBIG, "length " + length + " for " + what + " passes the largest file size");
        }
        fs.checkWritable("truncate " + what);
        fs.truncate(i, length);
    }
}
