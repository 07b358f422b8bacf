package dev.pfs.core;

/**
 * statfs(2) of a mounted volume.
 *
 * @param blockSize   file system block size
 * @param totalBlocks blocks in the volume's data area
 * @param freeBlocks  blocks free
 * @param totalInodes inodes the volume can hold
 * @param freeInodes  inodes free
 * @param nameMax     longest name component in bytes
 */
public record PfsStatFs(long blockSize, long totalBlocks, long freeBlocks, long totalInodes,
                        long freeInodes, int nameMax) {
}
