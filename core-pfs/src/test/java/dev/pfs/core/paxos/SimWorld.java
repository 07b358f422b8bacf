package dev.pfs.core.paxos;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FaultyVolume;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    /** The newest epoch a fencing volume accepted; kept across power cuts like a ChunkServer's. */
    final AtomicLong fence = new AtomicLong();
    boolean fencing;
    final List<Runnable> background = new ArrayList<>();
    /** Hosts whose clocks run at their own rate, by host id; others use {@link #clock}. */
    final Map<Integer, AtomicLong> hostClocks = new HashMap<>();
    final Map<Integer, Double> rates = new HashMap<>();
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

    /** @return the volume as the hosts see it: fencing stale epochs if {@link #fencing} */
    BlockVolume view() {
        return fencing ? new FencingVolume(volume, fence) : volume;
    }

    RwElection election(int hostId) {
        AtomicLong own = hostClocks.getOrDefault(hostId, clock);
        return new RwElection(view(), OFFSET, maxHosts, hostId, LEASE, own::get, this::pause,
                new Random(seed * 1_000 + hostId));
    }

    /** Makes host {@code hostId}'s clock run at {@code rate} times the world's. */
    void clockRate(int hostId, double rate) {
        hostClocks.put(hostId, new AtomicLong(clock.get() * (hostId + 1)));
        rates.put(hostId, rate);
    }

    /** An election of a host whose clock is {@code clock} rather than the world's. */
    RwElection election(int hostId, AtomicLong ownClock) {
        return new RwElection(view(), OFFSET, maxHosts, hostId, LEASE, ownClock::get, this::pause,
                new Random(seed * 1_000 + hostId));
    }

    long now() {
        return clock.get();
    }

    void advance(long nanos) {
        clock.addAndGet(nanos);
        hostClocks.forEach((host, c) -> c.addAndGet((long) Math.ceil(nanos * rates.get(host))));
    }

    /** Lets time pass for a waiting acquire: the other hosts' agents run meanwhile. */
    void pause(long nanos) {
        advance(nanos);
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
