package dev.pfs.chunkserver.protocol;

/**
 * How a chunk id names its volume: the high 32 bits are the volume, the low 32 bits the
 * chunk's index in it (PolarFS addresses a chunk by volume and index). A chunkserver fences
 * writers per volume, so every chunk of one volume must carry that volume's id.
 */
public final class ChunkId {
    private ChunkId() {
    }

    /** @return the id of chunk {@code index} of volume {@code volume} */
    public static long of(long volume, long index) {
        if (volume < 0 || volume > 0x7fff_ffffL || index < 0 || index > 0xffff_ffffL) {
            throw new IllegalArgumentException("volume " + volume + " / chunk index " + index + " out of range");
        }
        return volume << 32 | index;
    }

    /** @return the volume chunk {@code chunkId} belongs to */
    public static long volume(long chunkId) {
        return chunkId >>> 32;
    }
}
