package dev.pfs.core.lease;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.core.Errno;
import dev.pfs.core.PfsException;
import dev.pfs.core.layout.Superblock;
import dev.pfs.core.paxos.DiskPaxosDescriptor;
import dev.pfs.core.paxos.LeaderRecord;
import dev.pfs.core.paxos.PaxosException;
import dev.pfs.core.paxos.RwElection;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The paxos file of a volume: its size, formatting, the RW election and who holds the volume.
 * Host ids here are the mount's slots, 0 .. maxHosts-1; the paxos file numbers them from 1.
 */
public final class Leases {
    private Leases() {
    }

    /**
     * Who holds the RW lease, as read from the leader record.
     *
     * @param hostId     the holder's slot, -1 if never held
     * @param epoch      the highest epoch granted
     * @param leaseValid whether the holder has not released the volume (whether it is still
     *                   alive takes a lease of watching, which {@code info} does not do)
     */
    public record Holder(int hostId, long epoch, boolean leaseValid) {
    }

    /** @return bytes of the paxos file for {@code maxHosts} hosts */
    public static long regionSize(int maxHosts) {
        return DiskPaxosDescriptor.regionSize(maxHosts);
    }

    /** Initialises the paxos file at mkfs. */
    public static void format(BlockVolume volume, Superblock sb) throws PfsException {
        try {
            RwElection.format(volume, sb.paxosOffset(), sb.maxHosts());
        } catch (PaxosException e) {
            throw toPfs(e);
        }
    }

    /**
     * Wins the volume for a RW mount.
     *
     * @param clock a monotonic nanosecond clock (System::nanoTime outside tests)
     * @throws PfsException EBUSY naming the holder when another live host holds the volume
     */
    public static VolumeLease acquire(BlockVolume volume, Superblock sb, int hostId, Duration lease,
                                      LongSupplier clock) throws PfsException {
        RwElection e = new RwElection(volume, sb.paxosOffset(), sb.maxHosts(), hostId + 1, lease, clock);
        try {
            return new PaxosLease(e, e.acquire());
        } catch (PaxosException x) {
            throw toPfs(x);
        }
    }

    /** @return the current holder of the RW lease */
    public static Holder holder(BlockVolume volume, Superblock sb) throws PfsException {
        try {
            LeaderRecord r = RwElection.readLeader(volume, sb.paxosOffset(), sb.maxHosts());
            return new Holder(r.epoch() == 0 ? -1 : r.hostId() - 1, r.epoch(), r.held());
        } catch (PaxosException x) {
            throw toPfs(x);
        }
    }

    /**
     * Fails unless no live host holds the volume read-write: a holder that has not released it
     * is watched for one of its leases (plus a tenth), and any change of the leader record in
     * that time means it is alive. Used by mkfs, which must never format a mounted volume.
     *
     * @throws PfsException EBUSY naming the live holder, EIO if the paxos file cannot be read
     */
    public static void refuseLiveHolder(BlockVolume volume, Superblock sb) throws PfsException {
        try {
            LeaderRecord first = RwElection.readLeader(volume, sb.paxosOffset(), sb.maxHosts());
            if (!first.held()) {
                return;
            }
            long lease = first.leaseNanos() > 0 ? first.leaseNanos() : Duration.ofSeconds(10).toNanos();
            long start = LeaseClock.BOOTTIME.getAsLong();
            while (LeaseClock.BOOTTIME.getAsLong() - start < lease + lease / 10) {
                java.util.concurrent.locks.LockSupport.parkNanos(lease / 20);
                LeaderRecord now = RwElection.readLeader(volume, sb.paxosOffset(), sb.maxHosts());
                if (!now.held()) {
                    return;
                }
                if (!now.equals(first)) {
                    throw new PfsException(Errno.EBUSY, "the volume is mounted read-write by host "
                            + (now.hostId() - 1) + " (epoch " + now.epoch() + "), which keeps renewing its lease; "
                            + "unmount it first");
                }
            }
        } catch (PaxosException e) {
            throw toPfs(e);
        }
    }

    static PfsException toPfs(PaxosException e) {
        return switch (e.reason()) {
            case HELD -> new PfsException(Errno.EBUSY, "the volume is mounted read-write by host "
                    + (e.holderHostId() - 1) + " (epoch " + e.holderEpoch() + "); its lease is live", e);
            case LOST -> new PfsException(Errno.EROFS, e.getMessage(), e);
            case CORRUPT -> new PfsException(Errno.EIO, "the paxos file is corrupt: " + e.getMessage(), e);
            case IO -> new PfsException(Errno.EIO, "the paxos file: " + e.getMessage(), e);
        };
    }
}
