package dev.pfs.core;

/**
 * How to format a volume.
 *
 * @param chunkSize bytes per chunk (10 GB by default, small in tests); the volume is cut into
 *                  chunks, each with its own metaobjects
 * @param maxHosts  slots in the paxos file: how many hosts may ever mount the volume
 */
public record MkfsOptions(long chunkSize, int maxHosts) {
    /** The paper's chunk size. */
    public static final long DEFAULT_CHUNK_SIZE = 10L << 30;
    /** Default paxos host slots. */
    public static final int DEFAULT_MAX_HOSTS = 32;

    /** @return the defaults */
    public static MkfsOptions defaults() {
        return new MkfsOptions(DEFAULT_CHUNK_SIZE, DEFAULT_MAX_HOSTS);
    }
}
