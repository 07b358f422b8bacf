package dev.pfs.core.fs;

import dev.pfs.core.Caller;
import dev.pfs.core.Errno;
import dev.pfs.core.PfsException;
import dev.pfs.core.meta.Inode;

/**
 * The permission bits of an inode against a {@link Caller}, as Linux's generic_permission
 * decides them: the owner's bits for the owner, the group's for a caller whose primary gid is
 * the inode's group, else the others'; root may read and write anything, and a caller whose
 * bits a kernel checked already ({@link Caller#modeBitsChecked}) passes.
 */
final class Permissions {
    static final int READ = 4;
    static final int WRITE = 2;

    private Permissions() {
    }

    /** Fails with EACCES unless {@code caller} may do {@code mask} ({@link #READ}, {@link #WRITE}) to {@code i}. */
    static void check(Inode i, Caller caller, int mask, String what) throws PfsException {
        if (caller.isRoot() || caller.modeBitsChecked()) {
            return;
        }
        int shift = i.uid == caller.uid() ? 6 : i.gid == caller.gid() ? 3 : 0;
        if (((i.mode >> shift) & mask) != mask) {
            throw new PfsException(Errno.EACCES, "permission denied: uid " + caller.uid() + " may not " + what
                    + " (mode " + Integer.toOctalString(i.mode & 07777) + ", owner " + i.uid + ":" + i.gid + ")");
        }
    }
}
