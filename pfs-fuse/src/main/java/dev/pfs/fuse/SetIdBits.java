package dev.pfs.fuse;

import dev.pfs.core.Caller;
import dev.pfs.core.Errno;
import dev.pfs.core.FileType;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import java.nio.ByteBuffer;

/**
 * The privileges a file loses when it changes, which FUSE_HANDLE_KILLPRIV_V2 leaves to the file
 * system: the kernel flags writes, truncates and O_TRUNC opens by callers without CAP_FSETID,
 * and the set-user-ID bit, the set-group-ID bit and file capabilities go then, as the kernel's
 * file_remove_privs does on ext4. chown clears the bits in libpfs.
 */
final class SetIdBits {
    static final int S_ISUID = 04000;
    static final int S_ISGID = 02000;
    static final int S_IXGRP = 0010;

    private final Pfs pfs;

    SetIdBits(Pfs pfs) {
        this.pfs = pfs;
    }

    /**
     * A regular file written or truncated by a caller without CAP_FSETID loses its set-user-ID
     * bit, its set-group-ID bit when group-executable, and its file capabilities.
     */
    void killPrivileges(NodeTable.Node n) throws PfsException {
        if (n.pin < 0 || n.type != FileType.REGULAR) {
            return;
        }
        int mode = pfs.fstat(n.pin).mode();
        int kill = S_ISUID | ((mode & S_IXGRP) != 0 ? S_ISGID : 0);
        if ((mode & kill) != 0) {
            pfs.fchmod(n.pin, mode & 07777 & ~kill);
        }
        if (hasXattrs(n)) {
            try {
                pfs.fremovexattr(n.pin, "security.capability", Caller.ROOT);
            } catch (PfsException e) {
                if (e.errno() != Errno.ENODATA) {
                    throw e;
                }
            }
        }
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
