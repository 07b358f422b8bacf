package dev.pfs.core.paxos;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.core.paxos.PaxosRegion.BlockView;
import dev.pfs.core.paxos.PaxosRegion.Survey;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elects the single read-write (RW) mount of a volume with Disk Paxos (Gafni &amp; Lamport) over
 * the per-host blocks of the volume's paxos region, and keeps the winner's lease.
 *
 * <p>Each epoch is one Disk Paxos instance: at most one host wins it, and every epoch won is
 * greater than every epoch won before. The holder heartbeats the leader record
 * ({@link #renew()}, usually from a {@link LeaseKeeper}); a contender that sees the heartbeat
 * stand still for a full lease on its own clock takes over with the next epoch. The holder
 * stops writing once its own last renewal is older than the lease minus a safety margin
 * ({@link #holdsLease()}), before any contender can have decided that it is dead. The protocol
 * and its timing assumptions are in {@code docs/disk-paxos.md}.
 *
 * <p>Thread-safe. {@link #acquire()} blocks for up to about one lease; the other calls do one or
 * two volume requests.
 */
public final class RwElection {
    private static final Logger LOG = LoggerFactory.getLogger(RwElection.class);

    private final PaxosRegion region;
    private final int hostId;
    private final long leaseNanos;
    private final LongSupplier clock;
    private final LongConsumer pause;
    private final Random random;
    /** One acquisition at a time: two would share this host's block, which Disk Paxos forbids. */
    private final Object acquiring = new Object();

    /** The leader record this host last wrote while holding the volume, or null. */
    private LeaderRecord held;
    private volatile long heldEpoch;
    private volatile long leaseStart;

    /**
     * Creates the election of one host.
     *
     * @param volume       the volume holding the paxos region
     * @param regionOffset where the region starts, 512 B aligned
     * @param maxHosts     the number of host slots the region was formatted with
     * @param hostId       this host, 1 to {@code maxHosts}; no two live hosts may share one
     * @param lease        how long a silent holder keeps the volume; the same on every host
     * @param nanoClock    a monotonic clock in nanoseconds, like {@link System#nanoTime()}
     * @throws IllegalArgumentException if a parameter is out of range
     */
    public RwElection(BlockVolume volume, long regionOffset, int maxHosts, int hostId, Duration lease,
                      LongSupplier nanoClock) {
        this(volume, regionOffset, maxHosts, hostId, lease, nanoClock, LockSupport::parkNanos,
                new Random(System.nanoTime() * 31 + hostId));
    }

    /** As the public constructor, with the wait used by {@link #acquire()} and the backoff randomness injected. */
    RwElection(BlockVolume volume, long regionOffset, int maxHosts, int hostId, Duration lease,
               LongSupplier nanoClock, LongConsumer pause, Random random) {
        this.region = new PaxosRegion(volume, regionOffset, maxHosts);
        if (hostId < 1 || hostId > maxHosts) {
            throw new IllegalArgumentException("host id " + hostId + " is not in [1, " + maxHosts + "]");
        }
        if (lease.toMillis() < 10) {
            throw new IllegalArgumentException("lease " + lease + " is shorter than 10 ms");
        }
        this.hostId = hostId;
        this.leaseNanos = lease.toNanos();
        this.clock = nanoClock;
        this.pause = pause;
        this.random = random;
    }

    /**
     * Initialises a paxos region at mkfs: an empty leader record and an empty block per host
     * slot, both copies, durably. Erases any previous election state.
     *
     * @throws PaxosException IO if the volume fails
     */
    public static void format(BlockVolume volume, long regionOffset, int maxHosts) throws PaxosException {
        new PaxosRegion(volume, regionOffset, maxHosts).format();
    }

    /**
     * Makes this host the RW holder.
     *
     * @return this host's epoch, greater than every epoch granted before (or the epoch it holds)
     * @throws PaxosException HELD naming the holder if a live host holds the volume (decided
     *     within about one lease), IO, or CORRUPT
     */
    public long acquire() throws PaxosException {
        synchronized (acquiring) {
            return runAcquire();
        }
    }

    private long runAcquire() throws PaxosException {
        AcquireAgent agent = new AcquireAgent(this);
        while (true) {
            int work = agent.doWork();
            if (agent.isDone()) {
                return agent.epoch();
            }
            if (work == 0) {
                pause.accept(Math.max(1, agent.idleNanos()));
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw PaxosException.io("interrupted while waiting for the RW lease", null);
                }
            }
        }
    }

    /** @return a stepwise acquisition, for tests that interleave contenders one I/O at a time */
    AcquireAgent newAcquireAgent() {
        return new AcquireAgent(this);
    }

    /**
     * Heartbeats the leader record, extending the lease.
     *
     * @throws PaxosException LOST if the lease ran out or another host took over (this host no
     *     longer holds the volume), IO if the write failed (the lease keeps running out)
     */
    public synchronized void renew() throws PaxosException {
        rewriteLeader(requireHeld().journalAnchor(), false, true);
    }

    /**
     * Publishes the journal anchor RO mounts replay up to, durably; also renews the lease.
     *
     * @throws PaxosException LOST if this host does not hold a live lease, IO
     */
    public synchronized void publishAnchor(long journalAnchor) throws PaxosException {
        requireHeld();
        rewriteLeader(journalAnchor, false, false);
    }

    /**
     * Hands the volume back: marks the leader record released so another host takes over at
     * once. Does nothing unless this host holds the volume; a failure is logged, and the lease
     * then simply runs out.
     */
    public synchronized void release() {
        if (held == null) {
            return;
        }
        try {
            rewriteLeader(held.journalAnchor(), true, false);
            LOG.info("host {} released the volume (epoch {})", hostId, heldEpoch);
        } catch (PaxosException e) {
            LOG.warn("host {} could not release the volume (epoch {}); its lease will run out: {}", hostId,
                    heldEpoch, e.getMessage());
        } finally {
            drop();
        }
    }

    /**
     * @return whether this host holds the volume and may write it: false once its last
     *     successful renewal is older than the lease minus the safety margin
     */
    public boolean holdsLease() {
        return heldEpoch != 0 && now() - leaseStart < validNanos();
    }

    /** @return the epoch this host holds, 0 if none (check {@link #holdsLease()} before writing) */
    public long heldEpoch() {
        return heldEpoch;
    }

    /**
     * Reads the leader record without writing anything.
     *
     * @throws PaxosException CORRUPT if neither copy is valid, IO
     */
    public LeaderRecord readLeader() throws PaxosException {
        return newestLeader(region.readLeader());
    }

    /**
     * Reads the leader record of a volume without being a host of it (RO mounts, {@code pfs info}).
     *
     * @throws PaxosException CORRUPT if neither copy is valid, IO
     */
    public static LeaderRecord readLeader(BlockVolume volume, long regionOffset, int maxHosts) throws PaxosException {
        return newestLeader(new PaxosRegion(volume, regionOffset, maxHosts).readLeader());
    }

    private static LeaderRecord newestLeader(PaxosRegion.LeaderView v) throws PaxosException {
        if (v.newest() == null) {
            throw PaxosException.corrupt("the leader record of the paxos region is unreadable (" + v.problem() + ")");
        }
        return v.newest();
    }

    /** @return this host's id */
    public int hostId() {
        return hostId;
    }

    /** @return the lease in nanoseconds */
    public long leaseNanos() {
        return leaseNanos;
    }

    /** @return how often a {@link LeaseKeeper} renews: a quarter lease, so two renewals may fail in a row */
    public long renewIntervalNanos() {
        return leaseNanos / 4;
    }

    /** @return the local clock time the current lease started (its last successful renewal began) */
    public long leaseStartNanos() {
        return leaseStart;
    }

    /** @return the injected clock's time */
    public long now() {
        return clock.getAsLong();
    }

    /** The holder's own view of its lease ends a quarter lease before others may decide it is dead. */
    long validNanos() {
        return leaseNanos - leaseNanos / 4;
    }

    long pollNanos() {
        return leaseNanos / 10;
    }

    long backoffNanos() {
        synchronized (random) {
            return leaseNanos / 50 + (long) (random.nextDouble() * (leaseNanos / 5));
        }
    }

    PaxosRegion region() {
        return region;
    }

    /** Called by the {@link AcquireAgent} once its leader record write at {@code startedAt} completed. */
    synchronized void won(LeaderRecord record, long startedAt) {
        held = record;
        leaseStart = startedAt;
        heldEpoch = record.epoch();
        LOG.info("host {} holds the volume read-write at epoch {}", hostId, record.epoch());
    }

    private LeaderRecord requireHeld() throws PaxosException {
        if (held == null) {
            throw PaxosException.lost("host " + hostId + " does not hold the volume read-write");
        }
        return held;
    }

    /**
     * Checks nobody took over, then writes the next heartbeat of the leader record. Renewals
     * also read every block ({@code survey}), to step down as soon as a contender has started
     * taking over; anchors and releases, which may be frequent, read only the leader record.
     */
    private void rewriteLeader(long anchor, boolean release, boolean survey) throws PaxosException {
        LeaderRecord mine = requireHeld();
        long start = now();
        if (start - leaseStart >= validNanos()) {
            drop();
            throw PaxosException.lost("host " + hostId + " lost the volume: its lease (epoch " + mine.epoch()
                    + ") ran out " + (start - leaseStart) / 1_000_000 + " ms after its last renewal; acquire it again");
        }
        Survey s = survey ? region.survey() : new Survey(region.readLeader(), new BlockView[0]);
        LeaderRecord cur = s.leader().newest();
        if (cur != null && (cur.epoch() > mine.epoch() || (cur.epoch() == mine.epoch() && cur.hostId() != hostId))) {
            drop();
            throw PaxosException.lost("host " + hostId + " lost the volume: " + cur.holder() + " took over");
        }
        for (BlockView b : s.blocks()) {
            if (b.newest() != null && b.newest().instance() > mine.epoch()) {
                drop();
                throw PaxosException.lost("host " + hostId + " lost the volume: host " + b.newest().hostId()
                        + " is taking over epoch " + b.newest().instance() + " after seeing this lease run out");
            }
        }
        LeaderRecord next = mine.next(s.leader().nextSeq(), anchor, release);
        try {
            region.writeLeader(s.leader().target(), next, mine.epoch());
        } catch (PaxosException e) {
            if (e.reason() == PaxosException.Reason.LOST) {
                drop();
            }
            throw e;
        }
        held = next;
        long took = now() - start;
        if (took >= leaseNanos - validNanos()) {
            // The write may have landed after a contender's last look: it must not extend the lease.
            throw PaxosException.io("host " + hostId + ": renewing the lease took " + took / 1_000_000
                    + " ms, longer than the safety margin of " + (leaseNanos - validNanos()) / 1_000_000
                    + " ms; the lease keeps running out", null);
        }
        leaseStart = start;
    }

    private void drop() {
        held = null;
        heldEpoch = 0;
    }
}
