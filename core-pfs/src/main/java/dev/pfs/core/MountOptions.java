package dev.pfs.core;

import java.time.Duration;

/**
 * How to mount a volume.
 *
 * @param readWrite    true for the single read-write mount (elected by Disk Paxos), false for
 *                     a read-only mount that follows the journal
 * @param hostId       this host's slot in the paxos file, 0 .. maxHosts-1
 * @param lease        how long a RW mount's lease lasts without renewal; RO mounts use the
 *                     same value (every host of a volume must agree on it) to know how long
 *                     their block map stays trustworthy
 * @param roPollPeriod how often a RO mount polls the leader record for new transactions
 * @param reuseDelay   how long a RW mount keeps a freed block unused after its free is durable,
 *                     so that no RO mount reads it through an old name; RO mounts trust their
 *                     map for three quarters of their lease, so this must not be shorter than
 *                     the lease while RO mounts may exist (zero is for RW-only use)
 */
public record MountOptions(boolean readWrite, int hostId, Duration lease, Duration roPollPeriod,
                           Duration reuseDelay) {
    /** Default lease: a dead RW mount is replaced after this. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);
    /** Default RO poll period. */
    public static final Duration DEFAULT_RO_POLL = Duration.ofMillis(500);

    /** Options whose block reuse delay is one lease. */
    public MountOptions(boolean readWrite, int hostId, Duration lease, Duration roPollPeriod) {
        this(readWrite, hostId, lease, roPollPeriod, lease);
    }

    /** @return a RW mount for {@code hostId} with default timings */
    public static MountOptions readWrite(int hostId) {
        return new MountOptions(true, hostId, DEFAULT_LEASE, DEFAULT_RO_POLL);
    }

    /** @return a RO mount for {@code hostId} with default timings */
    public static MountOptions readOnly(int hostId) {
        return new MountOptions(false, hostId, DEFAULT_LEASE, DEFAULT_RO_POLL);
    }

    /** @return these options with another block reuse delay */
    public MountOptions withReuseDelay(Duration delay) {
        return new MountOptions(readWrite, hostId, lease, roPollPeriod, delay);
    }
}
