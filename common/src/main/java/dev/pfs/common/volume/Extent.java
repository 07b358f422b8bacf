package dev.pfs.common.volume;

/**
 * One run of a volume's allocation map, as {@link BlockVolume#allocation} reports it.
 *
 * @param offset where the run starts, a multiple of {@link BlockVolume#SECTOR_SIZE}
 * @param length its length in bytes, positive, a multiple of the sector size
 * @param data   true if the run is allocated (it may hold anything, zeros included); false if
 *               it is a hole: unallocated, and it reads as zeros
 */
public record Extent(long offset, long length, boolean data) {
    /** @return the first byte after the run */
    public long end() {
        return offset + length;
    }
}
