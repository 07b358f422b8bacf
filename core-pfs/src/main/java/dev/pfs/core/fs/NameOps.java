package dev.pfs.core.fs;

import dev.pfs.core.DirEntry;
import dev.pfs.core.Errno;
import dev.pfs.core.FileType;
import dev.pfs.core.OpenFlags;
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

    /** Creates a new inode named by {@code p} (which names nothing yet) and commits. */
    Inode create(PathWalker.Parent p, FileType type, int mode, String path) throws PfsException {
        fs.checkWritable("create " + path);
        if (store().usedInodes() >= store().slots(dev.pfs.core.layout.MetaType.INODE) || store().freeDirents() == 0) {
            throw new PfsException(Errno.ENOSPC, "no free inode or direntry for " + path);
        }
        long now = FsState.now();
        Inode i = store().newInode(fs.txn(), type.modeBits() | (mode & 07777), 0, 0, now, fs.nextGeneration());
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

    void mkdir(String path, int mode) throws PfsException {
        PathWalker.Parent p = parentForCreate(path);
        create(p, FileType.DIRECTORY, mode, path);
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

    void symlink(String target, String linkPath) throws PfsException {
        if (target.isEmpty()) {
            throw new PfsException(Errno.ENOENT, "empty symlink target for " + linkPath);
        }
        byte[] t = target.getBytes(StandardCharsets.UTF_8);
        if (t.length > PathWalker.PATH_MAX || target.indexOf('\0') >= 0) {
            throw new PfsException(t.length > PathWalker.PATH_MAX ? Errno.ENAMETOOLONG : Errno.EINVAL,
                    "bad symlink target for " + linkPath);
        }
        PathWalker.Parent p = parentForCreate(linkPath);
        fs.ensureSpace(1, linkPath);
        Inode i = create(p, FileType.SYMLINK, 0777, linkPath);
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
        Inode i = fs.walker.resolve(existing, false);
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
        changeAttributes("chmod", path, i -> i.mode = (i.mode & FileType.S_IFMT) | (mode & 07777));
    }

    void chown(String path, int uid, int gid) throws PfsException {
        changeAttributes("chown", path, i -> {
            if (uid != -1) {
                i.uid = uid;
            }
            if (gid != -1) {
                i.gid = gid;
            }
        });
    }

    void utimens(String path, long atimeNs, long mtimeNs) throws PfsException {
        changeAttributes("utimens", path, i -> {
            if (atimeNs >= 0) {
                i.atimeNs = atimeNs;
            }
            if (mtimeNs >= 0) {
                i.mtimeNs = mtimeNs;
            }
        });
    }

    /** An attribute change: in the open transaction, with ctime, durable at the next commit. */
    private void changeAttributes(String op, String path, Consumer<Inode> change)
            throws PfsException {
        Inode i = fs.walker.resolve(path, true);
        fs.checkWritable(op + " " + path);
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
