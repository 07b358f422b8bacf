package dev.pfs.fuse;

import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.fuse.kernel.FuseSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A libpfs file system mounted through FUSE at a directory, speaking the kernel's protocol on
 * {@code /dev/fuse} (see docs/fuse-binding.md).
 *
 * <p>{@link #mount} returns once the kernel serves the mount point. The mount ends either from
 * inside ({@link #close}: unmount, wait for the workers) or from outside ({@code fusermount3
 * -u}, {@code umount}): {@link #awaitUnmounted} returns in both cases. The caller then closes
 * the {@link Pfs}, which flushes and releases the RW lease.
 */
public final class PfsFuseMount implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PfsFuseMount.class);

    private final FuseSession session;
    private final PfsFuseOps ops;

    private PfsFuseMount(FuseSession session, PfsFuseOps ops) {
        this.session = session;
        this.ops = ops;
    }

    /**
     * Mounts {@code pfs} at {@code mountPoint}.
     *
     * @throws IOException naming the mount point and the cause when the mount point is missing,
     *                     already a mount point, or the kernel refuses
     */
    public static PfsFuseMount mount(Pfs pfs, Path mountPoint, FuseMountOptions options) throws IOException {
        Path mp = mountPoint.toAbsolutePath().normalize();
        if (!Files.isDirectory(mp)) {
            throw new IOException("mount point " + mp + " does not exist or is not a directory");
        }
        if (MountTable.isMountPoint(mp)) {
            throw new IOException("mount point " + mp + " is busy: something is already mounted there");
        }
        if (options.readOnly() == pfs.isReadWrite()) {
            throw new IllegalArgumentException("FUSE " + (options.readOnly() ? "ro" : "rw")
                    + " option does not match the libpfs mount");
        }
        PfsFuseOps ops;
        try {
            ops = new PfsFuseOps(pfs, options);
        } catch (PfsException e) {
            throw new IOException("cannot open the root directory of the volume: " + e.getMessage(), e);
        }
        FuseSession session = FuseSession.mount(mp, options.sessionOptions(), ops);
        if (!pfs.isReadWrite()) {
            pfs.addReplayListener(changed -> invalidate(ops.nodes(), session, changed));
        }
        LOG.info("mounted {} at {} ({}, attr_timeout {} s, entry_timeout {} s{})", options.fsName(), mp,
                options.readOnly() ? "ro" : "rw", options.attrTimeout(), options.entryTimeout(),
                options.allowOther() ? ", allow_other" : "");
        return new PfsFuseMount(session, ops);
    }

    /**
     * A RO mount's journal replay changed {@code inodes} (null: anything): the kernel drops the
     * attributes and pages it cached for them and the names it cached in those directories, so
     * the next access asks libpfs again instead of waiting for the cache timeouts.
     */
    private static void invalidate(NodeTable nodes, FuseSession session, Set<Long> inodes) {
        for (long ino : nodes.known(inodes)) {
            session.invalidateInode(ino);
        }
        for (NodeTable.Name n : nodes.namesIn(inodes)) {
            session.invalidateEntry(n.parent(), n.name());
        }
    }

    /** @return the mount point */
    public Path mountPoint() {
        return session.mountPoint();
    }

    /** @return the kernel nodes this mount tracks (tests) */
    NodeTable nodes() {
        return ops.nodes();
    }

    /** Blocks until the FUSE connection has ended (unmounted from inside or outside). */
    public void awaitUnmounted() throws InterruptedException {
        session.awaitEnded();
    }

    /** @return whether the FUSE connection ended within {@code millis} */
    public boolean awaitUnmounted(long millis) throws InterruptedException {
        return session.awaitEnded(millis);
    }

    /** Unmounts (if still mounted) and waits for the workers. Idempotent. */
    @Override
    public void close() {
        session.close();
    }
}
