package dev.pfs.core.fs;

import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;

/** What tests reach inside a mount for: a checkpoint now, the background tick, the metadata lock. */
final class MountAccess {
    private MountAccess() {
    }

    static void checkpoint(Pfs fs) throws PfsException {
        FsState s = ((PfsMount) fs).state();
        synchronized (s) {
            s.committer.checkpoint();
        }
    }

    static void tick(Pfs fs) throws PfsException {
        FsState s = ((PfsMount) fs).state();
        synchronized (s) {
            s.commitPending();
        }
    }

    /** @return the lock every metadata change of the mount takes */
    static Object metadataLock(Pfs fs) {
        return ((PfsMount) fs).state();
    }

    /** Makes the mount hand out descriptor numbers from {@code next} on. */
    static void skipDescriptors(Pfs fs, long next) {
        ((PfsMount) fs).skipDescriptors(next);
    }
}
