package dev.pfs.fuse;

import dev.pfs.core.Caller;
import dev.pfs.core.Errno;
import dev.pfs.core.FileType;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.PfsStat;
import dev.pfs.fuse.kernel.FuseRequest;
import java.nio.ByteBuffer;

/**
 * The privileges a file loses when it changes, which FUSE_HANDLE_KILLPRIV_V2 leaves to the file
 * system, decided as Linux 6 decides them on ext4 ({@code setattr_should_drop_suidgid}): a
 * non-directory loses its set-user-ID bit, its set-group-ID bit when group-executable or, for a
 * caller without CAP_FSETID, when the caller is not in the file's group, and its file
 * capabilities
 * <ul>
 *   <li>on a write, truncate or O_TRUNC open, which the kernel flags for callers without
 *       CAP_FSETID ({@link #killOnWrite});</li>
 *   <li>on every chown, root's too, whether or not it changes the owner or group
 *       ({@link #killOnChown}, {@link #killWithoutChange}).</li>
 * </ul>
 * Directories keep their bits. Root counts as holding CAP_FSETID when it chowns.
 */
final class SetIdBits {
    static final int S_ISUID = 04000;
    static final int S_ISGID = 02000;
    static final int S_IXGRP = 0010;
    private static final String CAPABILITY = "security.capability";

    private final Pfs pfs;
    private final CallerGroups groups;

    SetIdBits(Pfs pfs, CallerGroups groups) {
        this.pfs = pfs;
        this.groups = groups;
    }

    /** A flagged write, truncate or O_TRUNC open of a regular file, by a caller without CAP_FSETID. */
    void killOnWrite(NodeTable.Node n, FuseRequest req) throws PfsException {
        if (n.pin >= 0 && n.type == FileType.REGULAR) {
            kill(n, pfs.fstat(n.pin), req, false);
        }
    }

    /** Before a chown that changes the owner or the group of node {@code n}. */
    void killOnChown(NodeTable.Node n, FuseRequest req) throws PfsException {
        if (n.pin >= 0 && n.type != FileType.DIRECTORY) {
            kill(n, pfs.fstat(n.pin), req, req.uid() == 0);
        }
    }

    /**
     * A SETATTR that changes nothing: a chown(-1, -1), or the kernel removing privileges before
     * a write (file_remove_privs). Linux turns the dropped bits into a mode change, which only
     * the owner may make: a caller who is neither the owner nor root gets EPERM, unless it may
     * write the file (then this is its write's file_remove_privs, which Linux lets through).
     */
    void killWithoutChange(NodeTable.Node n, FuseRequest req) throws PfsException {
        if (n.pin < 0 || n.type == FileType.DIRECTORY) {
            return;
        }
        PfsStat st = pfs.fstat(n.pin);
        boolean privileged = req.uid() == 0;
        if (!privileged && req.uid() != st.uid() && dropped(st, req, false) != 0 && !mayWrite(st, req)) {
            throw new PfsException(Errno.EPERM, "only the owner may clear the set-ID bits of inode " + n.ino);
        }
        kill(n, st, req, privileged);
    }

    private void kill(NodeTable.Node n, PfsStat st, FuseRequest req, boolean capable) throws PfsException {
        int drop = dropped(st, req, capable);
        if (drop != 0) {
            pfs.fchmod(n.pin, st.mode() & 07777 & ~drop);
        }
        if (st.type() == FileType.REGULAR && hasXattrs(n)) {
            try {
                pfs.fremovexattr(n.pin, CAPABILITY, Caller.ROOT);
            } catch (PfsException e) {
                if (e.errno() != Errno.ENODATA) {
                    throw e;
                }
            }
        }
    }

    /** @return the set-ID bits of {@code st} that a change by the caller drops */
    private int dropped(PfsStat st, FuseRequest req, boolean capable) {
        int mode = st.mode();
        int drop = mode & S_ISUID;
        if ((mode & S_ISGID) != 0
                && ((mode & S_IXGRP) != 0 || (!capable && !groups.inGroup(req, st.gid())))) {
            drop |= S_ISGID;
        }
        return drop;
    }

    /** @return whether the mode bits let the caller (not the owner) write the file */
    private boolean mayWrite(PfsStat st, FuseRequest req) {
        return groups.inGroup(req, st.gid()) ? (st.mode() & 0020) != 0 : (st.mode() & 0002) != 0;
    }

    /** @return whether the file has xattrs; a libpfs without them (EOPNOTSUPP) has no capabilities to drop */
    private boolean hasXattrs(NodeTable.Node n) throws PfsException {
        try {
            return pfs.flistxattr(n.pin, ByteBuffer.allocate(0), Caller.ROOT) > 0;
        } catch (PfsException e) {
            if (e.errno() == Errno.EOPNOTSUPP) {
                return false;
            }
            throw e;
        }
    }
}
