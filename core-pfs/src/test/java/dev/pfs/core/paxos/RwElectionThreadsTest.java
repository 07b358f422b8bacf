package dev.pfs.core.paxos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FaultyVolume;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Contenders as real threads on one in-memory volume whose requests complete after random
 * delays on other threads, sharing a simulated clock that advances whenever one of them
 * waits. Each winner holds a while, renewing, then either releases or dies silently; the
 * others keep trying. Every epoch must have one winner, each thread's epochs must grow, and
 * the final leader record must show the highest epoch granted.
 */
class RwElectionThreadsTest {
    private static final int THREADS = 4;
    private static final int GRANTS = 12;
    private static final long OFFSET = BlockVolume.SECTOR_SIZE;

    @Test
    @Timeout(60)
    void threadsRacingForTheVolumeGetOneWinnerPerEpochAndTakeOverFromTheDead() throws Exception {
        FaultyVolume volume = FaultyVolume.create(OFFSET + DiskPaxosDescriptor.regionSize(THREADS), 7)
                .maxDelayMicros(200);
        RwElection.format(volume, OFFSET, THREADS);
        AtomicLong clock = new AtomicLong();
        Duration lease = Duration.ofSeconds(1);
        Map<Long, Integer> winners = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicLong deaths = new AtomicLong();
        AtomicLong releases = new AtomicLong();

        List<Thread> threads = new ArrayList<>();
        for (int id = 1; id <= THREADS; id++) {
            int host = id;
            threads.add(Thread.ofPlatform().name("contender-" + host).start(() -> {
                Random rnd = new Random(host);
                long mine = 0;
                while (winners.size() < GRANTS && problems.isEmpty()) {
                    RwElection e = new RwElection(volume, OFFSET, THREADS, host, lease, clock::get,
                            clock::addAndGet, new Random(rnd.nextLong()));
                    try {
                        long epoch = e.acquire();
                        if (winners.putIfAbsent(epoch, host) != null) {
                            problems.add("epoch " + epoch + " won by " + winners.get(epoch) + " and " + host);
                        }
                        if (epoch <= mine) {
                            problems.add("host " + host + " won epoch " + epoch + " after " + mine);
                        }
                        mine = epoch;
                        LeaseKeeper keeper = new LeaseKeeper(e, lost -> { });
                        for (int i = rnd.nextInt(6); i > 0 && keeper.isKeeping(); i--) {
                            clock.addAndGet(e.renewIntervalNanos());
                            keeper.doWork();
                        }
                        if (rnd.nextBoolean()) {
                            e.release();
                            releases.incrementAndGet();
                        } else {
                            deaths.incrementAndGet();
                        }
                    } catch (PaxosException ex) {
                        if (ex.reason() == PaxosException.Reason.CORRUPT) {
                            problems.add(ex.getMessage());
                        }
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }

        assertThat(problems).isEmpty();
        assertThat(winners).hasSizeGreaterThanOrEqualTo(GRANTS);
        assertThat(deaths.get()).isPositive();
        long highest = winners.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
        RwElection reader = new RwElection(volume, OFFSET, THREADS, 1, lease, clock::get);
        assertThat(reader.readLeader().epoch()).isEqualTo(highest);
        assertThat(reader.readLeader().hostId()).isEqualTo(winners.get(highest));
        System.out.printf("paxos threads: %d epochs, %d takeovers from dead holders, %d releases%n",
                winners.size(), deaths.get(), releases.get());
    }
}
