package dev.pfs.core.fs;

import dev.pfs.common.volume.VolumeException;
import dev.pfs.core.Errno;
import dev.pfs.core.PfsException;

/** Maps volume failures to errno. */
final class Errors {
    private Errors() {
    }

    /** @return {@code e} as a PfsException: NO_SPACE is ENOSPC, STALE_EPOCH is EROFS, the rest EIO */
    static PfsException of(VolumeException e, String doing) {
        Errno errno = switch (e.kind()) {
            case NO_SPACE -> Errno.ENOSPC;
            case STALE_EPOCH -> Errno.EROFS;
            default -> Errno.EIO;
        };
        return new PfsException(errno, doing + ": " + e.getMessage(), e);
    }
}
