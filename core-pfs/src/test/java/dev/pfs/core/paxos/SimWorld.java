package dev.pfs.core.paxos;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FaultyVolume;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Simulated time for elections on one in-memory volume: a blocking {@link RwElection#acquire()}
 * "waits" by advancing the clock and running the background agents (lease keepers of other
 * hosts), so a lease of seconds passes in microseconds and every run replays exactly.
 */
final class SimWorld {
    static final long OFFSET = 8 * BlockVolume.SECTOR_SIZE;
    static final Duration LEASE = Duration.ofSeconds(2);
    static final long LEASE_NANOS = LEASE.toNanos();

    final AtomicLong clock = new AtomicLong(1_000_000_000L);
    final List<Runnable> background = new ArrayList<>();
    final int maxHosts;
    final long seed;
    FaultyVolume volume;

    SimWorld(int maxHosts, long seed) {
        this.maxHosts = maxHosts;
        this.seed = seed;
        this.volume = FaultyVolume.create(OFFSET + DiskPaxosDescriptor.regionSize(maxHosts) + 4096, seed);
    }

    SimWorld formatted() throws PaxosException {
        RwElection.format(volume, OFFSET, maxHosts);
        return this;
    }

    RwElection election(int hostId) {
        return new RwElection(volume, OFFSET, maxHosts, hostId, LEASE, clock::get, this::pause,
                new Random(seed * 1_000 + hostId));
    }

    /** An election of a host whose clock is {@code clock} rather than the world's. */
    RwElection election(int hostId, AtomicLong ownClock) {
        return new RwElection(volume, OFFSET, maxHosts, hostId, LEASE, ownClock::get, this::pause,
                new Random(seed * 1_000 + hostId));
    }

    long now() {
        return clock.get();
    }

    void advance(long nanos) {
        clock.addAndGet(nanos);
    }

    /** Lets time pass for a waiting acquire: the other hosts' agents run meanwhile. */
    void pause(long nanos) {
        clock.addAndGet(nanos);
        for (Runnable r : background) {
            r.run();
        }
    }

    /** Runs a keeper for {@code election} whenever simulated time passes. */
    LeaseKeeper keep(RwElection election) {
        LeaseKeeper keeper = new LeaseKeeper(election, e -> { });
        background.add(keeper::doWork);
        return keeper;
    }
}
