package dev.pfs.core.fs;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.core.Errno;
import dev.pfs.core.FileType;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.PfsException;
import dev.pfs.core.layout.ChunkDescriptor;
import dev.pfs.core.layout.JournalDescriptor;
import dev.pfs.core.layout.MetaType;
import dev.pfs.core.layout.Superblock;
import dev.pfs.core.layout.SuperblockDescriptor;
import dev.pfs.core.meta.Inode;
import dev.pfs.core.meta.MetaStore;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.UUID;

/**
 * mkfs: lays out an empty file system. The old superblock is wiped first and the new one is
 * written last, so an interrupted mkfs leaves a volume that is plainly "not a pfs volume".
 */
final class Formatter {
    /**
     * Data block size: 64 KB, the paper's chunkserver block. Large enough that 1 MB writes are
     * 16 tags and a 10 GB chunk has 160 K tags (5 MB of tags in memory), small enough that
     * zero-filling a newly allocated block costs little next to the write that allocates it.
     */
    static final int BLOCK_SIZE = 64 << 10;
    static final long MIN_JOURNAL = 1L << 20;
    static final long MAX_JOURNAL = 64L << 20;

    private Formatter() {
    }

    static Superblock plan(long volumeSize, MkfsOptions o, long paxosSize) throws PfsException {
        if (o.chunkSize() < (1 << 20) || o.chunkSize() % BLOCK_SIZE != 0) {
            throw new PfsException(Errno.EINVAL, "chunk size " + o.chunkSize()
                    + " must be at least 1 MiB and a multiple of " + BLOCK_SIZE);
        }
        if (o.maxHosts() < 1 || o.maxHosts() > 1024) {
            throw new PfsException(Errno.EINVAL, "max hosts " + o.maxHosts() + " must be within 1..1024");
        }
        long size = volumeSize / ChunkDescriptor.META_SECTOR * ChunkDescriptor.META_SECTOR;
        int tags = (int) Math.min(Integer.MAX_VALUE / 4, o.chunkSize() / BLOCK_SIZE);
        int inodes = (int) ChunkDescriptor.align(Math.max(64, tags / 2), MetaType.INODE.slotsPerSector());
        int dirents = (int) ChunkDescriptor.align(inodes, MetaType.DIRENT.slotsPerSector());
        // Room for a few largest values even in a small test chunk; a quarter slot per inode otherwise.
        int xattrs = (int) ChunkDescriptor.align(Math.max(2 * XattrOps.MAX_SLOTS_PER_INODE, inodes / 4),
                MetaType.XATTR.slotsPerSector());
        long paxosOffset = SuperblockDescriptor.REGION_SIZE;
        long journalOffset = ChunkDescriptor.align(paxosOffset + paxosSize, ChunkDescriptor.META_SECTOR);
        long journal = ChunkDescriptor.align(Math.min(MAX_JOURNAL,
                Math.max(MIN_JOURNAL, Math.min(size, o.chunkSize()) / 64)), ChunkDescriptor.META_SECTOR);
        UUID uuid = UUID.randomUUID();
        Superblock sb = new Superblock(SuperblockDescriptor.FORMAT_VERSION, uuid, size, o.chunkSize(), BLOCK_SIZE,
                o.maxHosts(), paxosOffset, paxosSize, journalOffset, journal, inodes, dirents, tags,
                FsState.now(), xattrs);
        ChunkDescriptor g = new ChunkDescriptor(sb);
        if (g.check() != null) {
            throw new PfsException(Errno.EINVAL, "volume of " + volumeSize + " bytes (chunk size " + o.chunkSize()
                    + ") is too small: the superblock, paxos file, journal and first metaobject area need "
                    + g.minimumSize() + " bytes within the first chunk");
        }
        return sb;
    }

    /** Writes everything but the paxos file (formatted by the caller) and the superblock. */
    static void format(BlockVolume volume, Superblock sb) throws PfsException {
        ChunkDescriptor g = new ChunkDescriptor(sb);
        try {
            for (int c = 0; c < g.chunks(); c++) {
                VolumeException.await(volume.writeZeroes(g.metaStart(c), g.dataStart(c) - g.metaStart(c),
                        BlockVolume.NO_EPOCH));
            }
            VolumeException.await(volume.writeZeroes(sb.journalOffset(), sb.journalSize(), BlockVolume.NO_EPOCH));
            long generation = new SecureRandom().nextLong() >>> 2;
            VolumeException.await(volume.write(sb.journalOffset(),
                    JournalDescriptor.encodeHeader(new JournalDescriptor.Header(generation, 1, 0))));
            MetaStore store = new MetaStore(g);
            Inode root = store.newInode(store.begin(), FileType.DIRECTORY.modeBits() | 0755, 0, 0, sb.createdNs(), 0);
            root.nlink = 2;
            ByteBuffer sector = ByteBuffer.allocateDirect(ChunkDescriptor.META_SECTOR);
            sector.put(store.encodeSector(MetaType.INODE, 0)).flip();
            VolumeException.await(volume.write(g.sectorOffset(MetaType.INODE, 0), sector));
            VolumeException.await(volume.flush());
        } catch (VolumeException e) {
            throw Errors.of(e, "formatting the volume");
        }
    }

    /** Makes the volume unrecognisable until {@link #commit}. */
    static void wipeSuperblock(BlockVolume volume) throws PfsException {
        try {
            VolumeException.await(volume.write(0, ByteBuffer.allocateDirect(SuperblockDescriptor.REGION_SIZE),
                    BlockVolume.NO_EPOCH, true));
        } catch (VolumeException e) {
            throw Errors.of(e, "wiping the old superblock");
        }
    }

    /** Writes the superblock: the volume is a pfs volume from here on. */
    static void commit(BlockVolume volume, Superblock sb) throws PfsException {
        try {
            VolumeException.await(volume.write(0, SuperblockDescriptor.encode(sb), BlockVolume.NO_EPOCH, true));
        } catch (VolumeException e) {
            throw Errors.of(e, "writing the superblock");
        }
    }
}
