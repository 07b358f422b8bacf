package dev.pfs.nbd.transmission;

import dev.pfs.common.volume.VolumeException;

/** Maps a volume's failure to the NBD error the client sees. */
final class VolumeErrors {
    private VolumeErrors() {
    }

    static int errno(VolumeException e) {
        return switch (e.kind()) {
            case OUT_OF_RANGE, MISALIGNED -> ReplyDescriptor.EINVAL;
            case NO_SPACE -> ReplyDescriptor.ENOSPC;
            case STALE_EPOCH -> ReplyDescriptor.EPERM;
            case CLOSED -> ReplyDescriptor.ESHUTDOWN;
            case IO, UNAVAILABLE -> ReplyDescriptor.EIO;
        };
    }
}
