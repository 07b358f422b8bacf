package dev.pfs.core;

import java.util.UUID;

/**
 * What `pfs info` shows of a volume.
 *
 * @param formatVersion on-disk format version
 * @param uuid          the volume's identity
 * @param volumeSize    bytes the file system spans
 * @param chunkSize     bytes per chunk
 * @param chunks        number of chunks
 * @param blockSize     file system block size
 * @param totalBlocks   data blocks
 * @param freeBlocks    free data blocks
 * @param totalInodes   inodes
 * @param freeInodes    free inodes
 * @param rwHostId      host holding the RW lease, or -1 if none
 * @param epoch         the RW holder's epoch (the highest granted so far)
 * @param leaseValid    whether the RW holder's lease looked alive when read
 */
public record VolumeInfo(int formatVersion, UUID uuid, long volumeSize, long chunkSize, int chunks,
                         int blockSize, long totalBlocks, long freeBlocks, long totalInodes,
                         long freeInodes, int rwHostId, long epoch, boolean leaseValid) {
}
