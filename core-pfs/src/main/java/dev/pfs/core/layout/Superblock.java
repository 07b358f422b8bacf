package dev.pfs.core.layout;

import java.util.UUID;

/**
 * The decoded superblock: what a volume is and where its fixed regions lie.
 *
 * @param formatVersion   on-disk format version
 * @param uuid            the volume's identity
 * @param volumeSize      bytes the file system spans (grows with growfs)
 * @param chunkSize       bytes per chunk
 * @param blockSize       bytes per data block
 * @param maxHosts        host slots of the paxos file
 * @param paxosOffset     byte offset of the paxos file
 * @param paxosSize       bytes of the paxos file
 * @param journalOffset   byte offset of the journal file
 * @param journalSize     bytes of the journal file
 * @param inodesPerChunk  inode slots in each chunk's metaobject area
 * @param direntsPerChunk direntry slots in each chunk's metaobject area
 * @param tagsPerChunk    block tag slots in each chunk (one per possible data block)
 * @param createdNs       mkfs time, ns since the epoch
 * @param xattrsPerChunk  extended attribute slots in each chunk's metaobject area (0 before format version 2)
 */
public record Superblock(int formatVersion, UUID uuid, long volumeSize, long chunkSize, int blockSize,
                         int maxHosts, long paxosOffset, long paxosSize, long journalOffset,
                         long journalSize, int inodesPerChunk, int direntsPerChunk, int tagsPerChunk,
                         long createdNs, int xattrsPerChunk) {

    /** @return a copy spanning {@code newSize} bytes */
    public Superblock withVolumeSize(long newSize) {
        return new Superblock(formatVersion, uuid, newSize, chunkSize, blockSize, maxHosts, paxosOffset,
                paxosSize, journalOffset, journalSize, inodesPerChunk, direntsPerChunk, tagsPerChunk,
                createdNs, xattrsPerChunk);
    }
}
