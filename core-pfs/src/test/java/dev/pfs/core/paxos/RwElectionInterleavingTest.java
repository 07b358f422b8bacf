package dev.pfs.core.paxos;

import static dev.pfs.core.paxos.SimWorld.LEASE_NANOS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Contenders stepped one volume request at a time in a seeded random order, on simulated time
 * (each host's clock drifting by up to 5%),
 * with crashes, releases and a power cut that tears the write in flight. After every step: at
 * most one host holds a live lease and it holds the newest epoch; every epoch has one winner
 * and epochs grow in the order they are granted. At the end a lone survivor must win a higher
 * epoch. A failure names its seed; {@code -Dpaxos.seed=N} replays one seed,
 * {@code -Dpaxos.seeds=N} runs more.
 */
class RwElectionInterleavingTest {
    private static final int STEPS = 600;

    @Test
    @Timeout(60)
    void atMostOneWinnerPerEpochUnderSeededInterleavingsCrashesAndPowerLoss() {
        playSeeds(false, 200);
    }

    @Test
    @Timeout(60)
    void theSameHoldsOnAVolumeThatFencesStaleEpochsLikeAChunkServer() {
        playSeeds(true, 100);
    }

    private static void playSeeds(boolean fencing, long defaultCount) {
        long only = Long.getLong("paxos.seed", -1);
        long first = only >= 0 ? only : 0;
        long count = only >= 0 ? 1 : Long.getLong("paxos.seeds", defaultCount);
        int powerCuts = 0;
        int takeovers = 0;
        for (long seed = first; seed < first + count; seed++) {
            Run run = new Run(seed, fencing);
            try {
                run.play();
            } catch (Throwable t) {
                throw new AssertionError("seed " + seed + (fencing ? " on a fencing volume" : "") + " failed (replay: -Dpaxos.seed="
                        + seed + "); grants "
                        + run.winners + "; last events " + run.trace, t);
            }
            powerCuts += run.powerCut ? 1 : 0;
            takeovers += run.winners.size();
        }
        System.out.printf("paxos interleaving%s: %d seeds, %d epochs granted, %d power cuts%n",
                fencing ? " (fencing volume)" : "", count, takeovers, powerCuts);
        // Besides the survivor, most seeds see at least one more epoch granted.
        assertThat(takeovers).isGreaterThan((int) (count + count / 2));
    }

    /**
     * Three contenders race round-robin, one request each per turn; the power fails at the
     * n-th write (for every n the race makes), tearing it; after the restart they race again
     * and the holder-to-be must still be unique per epoch with a higher epoch.
     */
    @Test
    @Timeout(30)
    void tearingAnyWriteOfARaceNeverProducesTwoWinners() throws Exception {
        for (int n = 1; n <= 40; n++) {
            SimWorld world = new SimWorld(3, n).formatted();
            Map<Long, Integer> winners = new TreeMap<>();
            world.volume.powerLossAtWrite(n);
            long before = raceRoundRobin(world, winners);
            world.volume = world.volume.restart();
            long after = raceRoundRobin(world, winners);
            assertThat(after).as("epoch after power loss at write %d (before: %d)", n, before).isGreaterThan(before);
            assertThat(world.election(1).readLeader().epoch()).isEqualTo(after);
        }
    }

    /** @return the epoch won, 0 if the power failed first; records winners, failing on a second one */
    private static long raceRoundRobin(SimWorld world, Map<Long, Integer> winners) {
        List<AcquireAgent> agents = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            agents.add(world.election(id).newAcquireAgent());
        }
        long won = 0;
        long minIdle = Long.MAX_VALUE;
        boolean worked = false;
        for (int turn = 0; turn < 10_000 && agents.stream().anyMatch(a -> a != null); turn++) {
            int i = turn % 3;
            if (i == 0) {
                // Each request takes a millisecond; when all wait, time jumps to the first wake-up.
                world.advance(worked ? 1_000_000 : Math.max(1, minIdle == Long.MAX_VALUE ? 1 : minIdle));
                minIdle = Long.MAX_VALUE;
                worked = false;
            }
            AcquireAgent a = agents.get(i);
            if (a == null) {
                continue;
            }
            try {
                if (a.doWork() == 0) {
                    minIdle = Math.min(minIdle, a.idleNanos());
                } else {
                    worked = true;
                }
                if (a.isDone()) {
                    assertThat(winners.putIfAbsent(a.epoch(), i + 1)).as("second winner of epoch %d", a.epoch())
                            .isNull();
                    won = Math.max(won, a.epoch());
                    agents.set(i, null);
                }
            } catch (PaxosException e) {
                assertThat(e.reason()).isIn(PaxosException.Reason.HELD, PaxosException.Reason.IO);
                agents.set(i, null);
            }
        }
        return won;
    }

    private static final class Host {
        final int id;
        RwElection election;
        AcquireAgent agent;
        LeaseKeeper keeper;
        int incarnation;
        /** A stalled host (a long GC pause, SIGSTOP) takes no step until then. */
        int stalledUntil;

        Host(int id) {
            this.id = id;
        }
    }

    private static final class Run {
        final long seed;
        final Random rnd;
        final SimWorld world;
        final List<Host> hosts = new ArrayList<>();
        final Map<Long, String> winners = new TreeMap<>();
        final List<String> trace = new ArrayList<>();
        long lastGranted;
        boolean powerCut;
        int step;

        Run(long seed, boolean fencing) {
            this.seed = seed;
            this.rnd = new Random(seed);
            int n = 2 + rnd.nextInt(3);
            this.world = new SimWorld(n + rnd.nextInt(2), seed);
            world.fencing = fencing;
            for (int id = 1; id <= n; id++) {
                hosts.add(new Host(id));
                // Clocks drift by up to 5%: the quarter-lease margin must absorb it.
                world.clockRate(id, 0.95 + rnd.nextDouble() * 0.1);
            }
        }

        void play() throws Exception {
            world.formatted();
            hosts.forEach(this::boot);
            if (rnd.nextBoolean()) {
                world.volume.powerLossAtWrite(1 + rnd.nextInt(200));
            }
            for (step = 0; step < STEPS; step++) {
                Host h = hosts.get(rnd.nextInt(hosts.size()));
                int r = rnd.nextInt(100);
                if (r < 60) {
                    act(h);
                } else if (r < 80) {
                    long dt = (long) (rnd.nextDouble() * LEASE_NANOS / 4);
                    world.advance(dt);
                    note("t+" + dt / 1_000_000 + "ms");
                } else if (r < 85) {
                    note("crash host " + h.id);
                    boot(h);
                } else if (r < 87) {
                    h.stalledUntil = step + rnd.nextInt(150);
                    note("stall host " + h.id + " until step " + h.stalledUntil);
                } else if (r < 89) {
                    if (h.keeper != null && step >= h.stalledUntil) {
                        note("release host " + h.id);
                        h.election.release();
                        h.keeper = null;
                    }
                } else {
                    for (Host x : hosts) {
                        renew(x);
                    }
                }
                if (world.volume.isDead()) {
                    note("power cut");
                    powerCut = true;
                    world.volume = world.volume.restart();
                    hosts.forEach(this::boot);
                }
                checkInvariants();
            }
            survivorWinsANewerEpoch();
        }

        private void act(Host h) {
            if (step < h.stalledUntil) {
                return;
            }
            if (h.agent != null) {
                try {
                    h.agent.doWork();
                    if (h.agent.isDone()) {
                        granted(h, h.agent.epoch());
                        h.agent = null;
                        h.keeper = new LeaseKeeper(h.election, e -> { });
                    }
                } catch (PaxosException e) {
                    assertThat(e.reason()).isNotEqualTo(PaxosException.Reason.CORRUPT);
                    note("host " + h.id + ": " + e.reason());
                    h.agent = null;
                }
            } else if (h.keeper != null) {
                renew(h);
            } else {
                h.agent = h.election.newAcquireAgent();
            }
        }

        private void renew(Host h) {
            if (h.keeper != null && step >= h.stalledUntil) {
                h.keeper.doWork();
                if (!h.keeper.isKeeping()) {
                    note("host " + h.id + " lost its lease");
                    h.keeper = null;
                }
            }
        }

        private void boot(Host h) {
            h.election = world.election(h.id);
            h.agent = null;
            h.keeper = null;
            h.stalledUntil = 0;
            h.incarnation++;
        }

        private void granted(Host h, long epoch) {
            String who = "host " + h.id + "#" + h.incarnation;
            note(who + " won epoch " + epoch);
            assertThat(winners.putIfAbsent(epoch, who)).as("second winner of epoch %d", epoch).isNull();
            assertThat(epoch).as("granted epoch").isGreaterThan(lastGranted);
            lastGranted = epoch;
        }

        /** Each host judges its own lease on its own drifting clock. */
        private void checkInvariants() {
            List<Host> live = hosts.stream().filter(h -> h.election.holdsLease()).toList();
            assertThat(live).as("hosts holding a live lease").hasSizeLessThanOrEqualTo(1);
            for (Host h : live) {
                assertThat(h.election.heldEpoch()).as("live holder's epoch").isEqualTo(lastGranted);
            }
        }

        /** Everyone else crashed: the last host standing must get the volume with a newer epoch. */
        private void survivorWinsANewerEpoch() throws PaxosException {
            world.volume = world.volume.restart();
            hosts.forEach(this::boot);
            Host survivor = hosts.get(rnd.nextInt(hosts.size()));
            long epoch = survivor.election.acquire();
            granted(survivor, epoch);
            assertThat(survivor.election.readLeader().epoch()).isEqualTo(epoch);
        }

        private void note(String event) {
            trace.add(event);
            if (trace.size() > Integer.getInteger("paxos.trace", 40)) {
                trace.remove(0);
            }
        }
    }
}
