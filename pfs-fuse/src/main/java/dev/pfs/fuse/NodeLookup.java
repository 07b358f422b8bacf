package dev.pfs.fuse;

import static dev.pfs.fuse.kernel.FuseRequestDescriptor.*;

import dev.pfs.core.Errno;
import dev.pfs.core.FileType;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.PfsStat;
import dev.pfs.fuse.kernel.FuseRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's references to inodes: a lookup counts one and opens the pin descriptor that
 * keeps a regular file or directory usable until the kernel forgets it; FORGET closes the pin
 * when the count reaches zero. Also how the other operations reach a node's attributes and
 * path.
 */
final class NodeLookup {
    private static final Logger LOG = LoggerFactory.getLogger(NodeLookup.class);

    private final Pfs pfs;
    private final NodeTable nodes;

    NodeLookup(Pfs pfs, NodeTable nodes) {
        this.pfs = pfs;
        this.nodes = nodes;
    }

    /** @return the node the kernel named (ESTALE if it is not known) */
    NodeTable.Node node(long nodeId) throws PfsException {
        return nodes.node(nodeId);
    }

    /** @return the libpfs path of {@code name} in directory node {@code parent} */
    String childPath(long parent, String name) throws PfsException {
        return nodes.childPath(parent, name);
    }

    /** A path naming node {@code n} now (its pin is preferred wherever libpfs takes a descriptor). */
    String pathOf(NodeTable.Node n) throws PfsException {
        return nodes.path(n.ino);
    }

    /** @return the attributes of node {@code n}, through its pin when it has one */
    PfsStat stat(NodeTable.Node n) throws PfsException {
        return n.pin >= 0 ? pfs.fstat(n.pin) : pfs.lstat(nodes.path(n.ino));
    }

    /** Looks up {@code name} in {@code parent}, counting one kernel reference to what it finds. */
    PfsStat lookup(long parent, String name) throws PfsException {
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

    /**
     * Counts the kernel's reference to an inode just created through descriptor {@code fd},
     * which becomes its pin unless it has one already (then {@code fd} is closed).
     */
    void created(long ino, FileType type, long parent, String name, long fd) {
        closePin(nodes.remember(ino, type, parent, name, fd));
    }

    /** FORGET: the kernel dropped {@code count} references to node {@code nodeId}. */
    void forget(long nodeId, long count) {
        closePin(nodes.forget(nodeId, count));
    }

    /** BATCH_FORGET: FORGET for each (node, count) pair of the request. */
    void batchForget(FuseRequest req) {
        int count = req.bodyInt(BATCH_FORGET_COUNT);
        for (int i = 0; i < count; i++) {
            int at = BATCH_FORGET_ENTRIES + i * FORGET_ONE_SIZE;
            forget(req.bodyLong(at), req.bodyLong(at + 8));
        }
    }

    /** The name {@code name} in {@code parent} went. */
    void removed(long parent, String name) {
        nodes.removed(parent, name);
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
}
