package dev.pfs.core.fs;

import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;

/** What tests reach inside a mount for: a checkpoint now, the background tick, the metadata lock. */
final class MountAccess {
    private MountAccess() {
    }

    static void checkpoint(Pfs fs) throws PfsException {
        ((PfsMount) fs).state().checkpoint();
    }

    static void tick(Pfs fs) throws PfsException {
        ((PfsMount) fs).state().commitPending();
    }

    /** @return the lock every metadata change of the mount takes */
    static Object metadataLock(Pfs fs) {
        return ((PfsMount) fs).state();
    }

    /** @return batches sealed and waiting for the commit turn */
    static int queuedCommits(Pfs fs) {
        return ((PfsMount) fs).state().committer.queuedBatches();
    }

    /** @return whether the open transaction holds changes no batch has sealed yet (metadata lock) */
    static boolean unsealedChanges(Pfs fs) {
        return ((PfsMount) fs).state().committer.needsCommit();
    }

    /** Makes the mount hand out descriptor numbers from {@code next} on. */
    static void skipDescriptors(Pfs fs, long next) {
        ((PfsMount) fs).skipDescriptors(next);
    }
}
