package dev.pfs.core.fs;

import dev.pfs.core.Errno;
import dev.pfs.core.PfsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a mount may still change the volume. Two one-way states, as in ext4 and XFS:
 * <ul>
 *   <li><b>aborted</b>: a journal append, checkpoint write or volume flush failed. What is in
 *       memory may now be ahead of what is durable, and nothing a caller was told succeeded may
 *       be undone, so the mount stops changing anything (EIO) and keeps serving reads from
 *       memory; umount does not checkpoint, and the next mount replays the journal.</li>
 *   <li><b>fenced</b>: the RW lease ran out or another host took the volume (EROFS).</li>
 * </ul>
 * Both are volatile fields written once, so the lease thread can fence without any lock.
 */
final class MountHealth {
    private static final Logger LOG = LoggerFactory.getLogger(MountHealth.class);

    private volatile String aborted;
    private volatile String fenced;

    /** Puts the mount in the aborted state (the first reason wins). */
    void abort(String why) {
        synchronized (this) {
            if (aborted != null) {
                return;
            }
            aborted = why;
        }
        LOG.error("pfs mount aborted: {}; every change now fails with EIO, reads go on; remount to replay the journal",
                why);
    }

    /** Stops all changes because the lease is gone (the first reason wins). */
    void fence(String why) {
        synchronized (this) {
            if (fenced != null) {
                return;
            }
            fenced = why;
        }
        LOG.error("pfs mount fenced: {}; every change now fails with EROFS", why);
    }

    boolean aborted() {
        return aborted != null;
    }

    boolean fenced() {
        return fenced != null;
    }

    /** @return whether changes may go on */
    boolean healthy() {
        return aborted == null && fenced == null;
    }

    /** Fails with EROFS once fenced, EIO once aborted. */
    void checkChange(String what) throws PfsException {
        String f = fenced;
        if (f != null) {
            throw new PfsException(Errno.EROFS, what + ": " + f);
        }
        String a = aborted;
        if (a != null) {
            throw new PfsException(Errno.EIO, what + ": the file system was shut down after an I/O error ("
                    + a + "); unmount and mount again to replay the journal");
        }
    }

    /** Records a failed write or flush: a lost lease fences, anything else aborts. */
    void failed(PfsException e) {
        if (e.errno() == Errno.EROFS) {
            fence(e.getMessage());
        } else {
            abort(e.getMessage());
        }
    }
}
