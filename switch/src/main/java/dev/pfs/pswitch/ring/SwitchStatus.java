package dev.pfs.pswitch.ring;

import dev.pfs.common.volume.VolumeException;

/**
 * The {@code status} of a {@link ResponseDescriptor}: 0 for success, otherwise the
 * {@link VolumeException.Kind} the backend failed with. The numbers are the wire's and never
 * change meaning.
 */
public final class SwitchStatus {
    public static final int OK = 0;
    public static final int OUT_OF_RANGE = 1;
    public static final int MISALIGNED = 2;
    public static final int CLOSED = 3;
    public static final int IO = 4;
    public static final int NO_SPACE = 5;
    public static final int STALE_EPOCH = 6;
    public static final int UNAVAILABLE = 7;

    private SwitchStatus() {
    }

    /** @return the status that carries {@code kind} */
    public static int of(VolumeException.Kind kind) {
        return switch (kind) {
            case OUT_OF_RANGE -> OUT_OF_RANGE;
            case MISALIGNED -> MISALIGNED;
            case CLOSED -> CLOSED;
            case IO -> IO;
            case NO_SPACE -> NO_SPACE;
            case STALE_EPOCH -> STALE_EPOCH;
            case UNAVAILABLE -> UNAVAILABLE;
        };
    }

    /** @return the kind a failed status stands for; an unknown number is {@link VolumeException.Kind#IO} */
    public static VolumeException.Kind kind(int status) {
        return switch (status) {
            case OUT_OF_RANGE -> VolumeException.Kind.OUT_OF_RANGE;
            case MISALIGNED -> VolumeException.Kind.MISALIGNED;
            case CLOSED -> VolumeException.Kind.CLOSED;
            case NO_SPACE -> VolumeException.Kind.NO_SPACE;
            case STALE_EPOCH -> VolumeException.Kind.STALE_EPOCH;
            case UNAVAILABLE -> VolumeException.Kind.UNAVAILABLE;
            default -> VolumeException.Kind.IO;
        };
    }
}
