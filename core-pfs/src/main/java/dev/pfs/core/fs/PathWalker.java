package dev.pfs.core.fs;

import dev.pfs.core.Errno;
import dev.pfs.core.FileType;
import dev.pfs.core.PfsException;
import dev.pfs.core.layout.MetaSlotDescriptor;
import dev.pfs.core.meta.Dirent;
import dev.pfs.core.meta.Inode;
import dev.pfs.core.meta.MetaStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Checks paths and walks them through the directory tree. A caller's path is absolute, without
 * "." or ".." components or NUL bytes, each component at most 255 bytes; symlink targets may
 * use "." and "..", which are resolved here.
 */
final class PathWalker {
    /** Symlinks followed in one lookup before ELOOP, as Linux. */
    static final int MAX_SYMLINKS = 40;
    /** Longest symlink target. */
    static final int PATH_MAX = 4095;

    /** Reads a symlink's target. */
    interface LinkReader {
        String read(Inode link) throws PfsException;
    }

    /** The parent directory of a path's last component, and what that component names now. */
    record Parent(Inode dir, String name, Dirent dirent, Inode inode) {
    }

    private final MetaStore store;
    private final LinkReader links;

    PathWalker(MetaStore store, LinkReader links) {
        this.store = store;
        this.links = links;
    }

    /** @return the checked components of a caller's path (empty for "/") */
    static List<String> split(String path) throws PfsException {
        if (path == null || path.isEmpty()) {
            throw new PfsException(Errno.ENOENT, "empty path");
        }
        if (path.indexOf('\0') >= 0) {
            throw new PfsException(Errno.EINVAL, "path contains a NUL byte: " + path.replace('\0', '?'));
        }
        if (path.charAt(0) != '/') {
            throw new PfsException(Errno.EINVAL, "path is not absolute: " + path);
        }
        List<String> out = new ArrayList<>();
        for (String c : path.split("/")) {
            if (c.isEmpty()) {
                continue;
            }
            if (c.equals(".") || c.equals("..")) {
                throw new PfsException(Errno.EINVAL, "path has a '" + c + "' component: " + path);
            }
            if (c.getBytes(StandardCharsets.UTF_8).length > MetaSlotDescriptor.NAME_MAX) {
                throw new PfsException(Errno.ENAMETOOLONG, "name longer than 255 bytes in " + path);
            }
            out.add(c);
        }
        return out;
    }

    /** @return the inode {@code path} names, following a final symlink when asked */
    Inode resolve(String path, boolean followLast) throws PfsException {
        return walk(root(), new ArrayDeque<>(split(path)), followLast, new int[1], path);
    }

    /** @return the parent directory of {@code path}'s last component; EINVAL-free "/" is EBUSY */
    Parent parent(String path) throws PfsException {
        List<String> parts = split(path);
        if (parts.isEmpty()) {
            throw new PfsException(Errno.EBUSY, "'/' is the root directory");
        }
        String name = parts.remove(parts.size() - 1);
        Inode dir = walk(root(), new ArrayDeque<>(parts), true, new int[1], path);
        if (!dir.isDir()) {
            throw new PfsException(Errno.ENOTDIR, "not a directory: a parent of " + path);
        }
        Dirent d = store.lookup(dir.ino, name);
        return new Parent(dir, name, d, d == null ? null : store.inode(d.child()));
    }

    private Inode root() throws PfsException {
        Inode r = store.inode(1);
        if (r == null) {
            throw new PfsException(Errno.EIO, "the root inode is missing");
        }
        return r;
    }

    private Inode walk(Inode start, Deque<String> todo, boolean followLast, int[] hops, String path)
            throws PfsException {
        Inode cur = start;
        while (!todo.isEmpty()) {
            String c = todo.pollFirst();
            if (!cur.isDir()) {
                throw new PfsException(Errno.ENOTDIR, "not a directory: a component of " + path);
            }
            if (c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                Dirent up = store.direntOf(cur.ino);
                cur = up == null ? cur : store.inode(up.parent());
                continue;
            }
            Dirent d = store.lookup(cur.ino, c);
            if (d == null) {
                throw new PfsException(Errno.ENOENT, "no such file or directory: " + path);
            }
            Inode next = store.inode(d.child());
            if (next == null) {
                throw new PfsException(Errno.EIO, "direntry " + c + " names a free inode " + d.child());
            }
            if (next.type() == FileType.SYMLINK && (followLast || !todo.isEmpty())) {
                if (++hops[0] > MAX_SYMLINKS) {
                    throw new PfsException(Errno.ELOOP, "too many symbolic links in " + path);
                }
                String target = links.read(next);
                List<String> parts = new ArrayList<>();
                for (String p : target.split("/")) {
                    if (!p.isEmpty()) {
                        parts.add(p);
                    }
                }
                for (int i = parts.size() - 1; i >= 0; i--) {
                    todo.addFirst(parts.get(i));
                }
                if (target.startsWith("/")) {
                    cur = root();
                }
                continue;
            }
            cur = next;
        }
        return cur;
    }
}
