package dev.pfs.core;

import java.time.Duration;

/**
 * How to mount a volume.
 *
 * @param readWrite    true for the single read-write mount (elected by Disk Paxos), false for
 *                     a read-only mount that follows the journal
 * @param hostId       this host's slot in the paxos file, 0 .. maxHosts-1
 * @param lease        how long a RW mount's lease lasts without renewal
 * @param roPollPeriod how often a RO mount polls the leader record for new transactions
 */
public record MountOptions(boolean readWrite, int hostId, Duration lease, Duration roPollPeriod) {
    /** Default lease: a dead RW mount is replaced after this. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);
    /** Default RO poll period. */
    public static final Duration DEFAULT_RO_POLL = Duration.ofMillis(500);

    /** @return a RW mount for {@code hostId} with default timings */
    public static MountOptions readWrite(int hostId) {
        return new MountOptions(true, hostId, DEFAULT_LEASE, DEFAULT_RO_POLL);
    }

    /** @return a RO mount for {@code hostId} with default timings */
    public static MountOptions readOnly(int hostId) {
        return new MountOptions(false, hostId, DEFAULT_LEASE, DEFAULT_RO_POLL);
    }
}
