package dev.pfs.chunkserver.protocol;

/**
 * What STAT reports about a chunk.
 *
 * @param chunkId        the chunk
 * @param size           its size in bytes
 * @param epoch          the highest writer epoch its volume has seen
 * @param allocatedBytes bytes of data blocks allocated to it (thin provisioning)
 */
public record ChunkInfo(long chunkId, long size, long epoch, long allocatedBytes) {
}
