package dev.pfs.fuse;

import dev.pfs.core.Errno;
import dev.pfs.core.FileType;
import dev.pfs.core.PfsException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The nodes the kernel knows: one per pfs inode (the FUSE node id is the pfs inode number, the
 * root being 1 in both), with the kernel's exact lookup count, the libpfs descriptor that keeps
 * the inode alive while the kernel knows it (a "pin": an unlinked inode the kernel still holds
 * must stay readable, writable and stat-able until FORGET), and the last name it was reached by.
 *
 * <p>Names matter for directories and symlinks, which libpfs addresses by path: a directory
 * has exactly one name, so the chain of (parent, name) up to the root is its path. Renames
 * and removals update the chain under the table's lock. Regular files are reached through
 * their pin, never by name.
 */
final class NodeTable {
    static final long ROOT = 1;

    /** One node. Fields other than {@code ino} are guarded by the table. */
    static final class Node {
        final long ino;
        FileType type;
        long lookups;
        long pin = -1;
        long parent;
        String name;

        Node(long ino, FileType type) {
            this.ino = ino;
            this.type = type;
        }
    }

    /** A name the kernel may have cached: {@code name} in directory node {@code parent}. */
    record Name(long parent, String name) {
    }

    private final Map<Long, Node> nodes = new HashMap<>();
    private final Map<Name, Node> byName = new HashMap<>();

    NodeTable(long rootPin) {
        Node root = new Node(ROOT, FileType.DIRECTORY);
        root.lookups = 1; // the kernel's reference to the root is never forgotten
        root.pin = rootPin;
        nodes.put(ROOT, root);
    }

    /** @return the node the kernel named, or ESTALE if it is not known */
    synchronized Node node(long nodeId) throws PfsException {
        Node n = nodes.get(nodeId);
        if (n == null) {
            throw new PfsException(Errno.ESTALE, "node " + nodeId + " is not known to this mount");
        }
        return n;
    }

    /** @return the node of inode {@code ino} if the kernel knows it */
    synchronized Node find(long ino) {
        return nodes.get(ino);
    }

    /** @return the absolute path of a directory or symlink node */
    synchronized String path(long nodeId) throws PfsException {
        if (nodeId == ROOT) {
            return "/";
        }
        StringBuilder b = new StringBuilder();
        long cur = nodeId;
        int depth = 0;
        while (cur != ROOT) {
            Node n = nodes.get(cur);
            if (n == null || n.name == null || ++depth > 4096) {
                throw new PfsException(Errno.ESTALE, "node " + nodeId + " has no name any more");
            }
            b.insert(0, n.name).insert(0, '/');
            cur = n.parent;
        }
        return b.toString();
    }

    /** @return the path of {@code name} in directory node {@code parent} */
    String childPath(long parent, String name) throws PfsException {
        String dir = path(parent);
        return dir.equals("/") ? "/" + name : dir + "/" + name;
    }

    /**
     * Counts one more kernel reference to inode {@code ino}, reached as {@code name} in
     * {@code parent}. A node seen for the first time takes {@code pin}; otherwise the caller
     * must close {@code pin}, which this returns (or -1 when the pin was taken).
     */
    synchronized long remember(long ino, FileType type, long parent, String name, long pin) {
        Node n = nodes.get(ino);
        long unused = pin;
        if (n == null) {
            n = new Node(ino, type);
            nodes.put(ino, n);
        }
        if (n.pin < 0 && pin >= 0) {
            n.pin = pin;
            unused = -1;
        }
        n.type = type;
        n.lookups++;
        if (ino != ROOT) {
            name(n, parent, name);
        }
        return unused;
    }

    private void name(Node n, long parent, String name) {
        if (n.name != null) {
            byName.remove(new Name(n.parent, n.name), n);
        }
        n.parent = parent;
        n.name = name;
        byName.put(new Name(parent, name), n);
    }

    /**
     * The kernel dropped {@code count} references to {@code nodeId}.
     *
     * @return the pin to close when the node is gone, else -1
     */
    synchronized long forget(long nodeId, long count) {
        Node n = nodes.get(nodeId);
        if (n == null || nodeId == ROOT) {
            return -1;
        }
        n.lookups -= count;
        if (n.lookups > 0) {
            return -1;
        }
        nodes.remove(nodeId);
        if (n.name != null) {
            byName.remove(new Name(n.parent, n.name), n);
        }
        return n.pin;
    }

    /** The name {@code name} in {@code parent} is gone (unlink, rmdir, replaced by rename). */
    synchronized void removed(long parent, String name) {
        Node n = byName.remove(new Name(parent, name));
        if (n != null) {
            n.name = null;
        }
    }

    /** {@code name} in {@code parent} now is {@code newName} in {@code newParent}. */
    synchronized void renamed(long parent, String name, long newParent, String newName) {
        removed(newParent, newName);
        Node n = byName.remove(new Name(parent, name));
        if (n != null) {
            n.name = null;
            name(n, newParent, newName);
        }
    }

    /** Swaps two names (RENAME_EXCHANGE). */
    synchronized void exchanged(long parent, String name, long newParent, String newName) {
        Node a = byName.remove(new Name(parent, name));
        Node b = byName.remove(new Name(newParent, newName));
        if (a != null) {
            a.name = null;
            name(a, newParent, newName);
        }
        if (b != null) {
            b.name = null;
            name(b, parent, name);
        }
    }

    /** @return the nodes among {@code inodes} the kernel knows (all of them if null) */
    synchronized List<Long> known(Set<Long> inodes) {
        List<Long> out = new ArrayList<>();
        for (Long ino : nodes.keySet()) {
            if (inodes == null || inodes.contains(ino)) {
                out.add(ino);
            }
        }
        return out;
    }

    /** @return the names the kernel knows in the directories among {@code dirs} (all if null) */
    synchronized List<Name> namesIn(Set<Long> dirs) {
        List<Name> out = new ArrayList<>();
        for (Name n : byName.keySet()) {
            if (dirs == null || dirs.contains(n.parent())) {
                out.add(n);
            }
        }
        return out;
    }

    /** @return how many nodes the kernel knows (tests, metrics) */
    synchronized int size() {
        return nodes.size();
    }

    /** @return the kernel's lookup count of {@code nodeId}, 0 if unknown (tests) */
    synchronized long lookups(long nodeId) {
        Node n = nodes.get(nodeId);
        return n == null ? 0 : n.lookups;
    }
}
