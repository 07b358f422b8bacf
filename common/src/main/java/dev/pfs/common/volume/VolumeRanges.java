package dev.pfs.common.volume;

/** The argument checks every {@link BlockVolume} makes before it touches anything. */
public final class VolumeRanges {
    private VolumeRanges() {
    }

    /**
     * @return null when {@code [offset, offset+length)} is sector-aligned and inside a volume
     *         of {@code size} bytes, else the exception to fail the request with
     */
    public static VolumeException check(long offset, long length, long size) {
        if (offset < 0 || length < 0) {
            return new VolumeException(VolumeException.Kind.OUT_OF_RANGE,
                    "negative offset " + offset + " or length " + length);
        }
        if (offset % BlockVolume.SECTOR_SIZE != 0 || length % BlockVolume.SECTOR_SIZE != 0) {
            return new VolumeException(VolumeException.Kind.MISALIGNED,
                    "offset " + offset + " and length " + length + " must be multiples of "
                            + BlockVolume.SECTOR_SIZE);
        }
        if (offset + length > size || offset + length < 0) {
            return new VolumeException(VolumeException.Kind.OUT_OF_RANGE,
                    "range [" + offset + ", " + (offset + length) + ") is past the volume's end " + size);
        }
        return null;
    }
}
