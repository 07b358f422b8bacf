package dev.pfs.chunkserver.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicaCompare;
import dev.pfs.chunkserver.client.ReplicaMembership;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three chunkserver processes on loopback; a writer of FUA writes over overlapping ranges through
 * {@link ReplicatedVolume} records every acknowledgement. A replica that lost what it held (its
 * data directory wiped and formatted afresh under the same server id) or that was down while its
 * leader pruned past it rejoins through a checkpoint streamed from the leader's store: writes go
 * on, afterwards the replicas are equal, and every acknowledged write reads back, also with
 * another server kill -9ed (so the rejoined replica is in every majority).
 */
@Tag("system")
class ReplicatedRejoinTest {
    private static final int SECTORS = (int) (2 * ReplicatedCluster.CHUNK / AckLedger.SECTOR);

    @TempDir
    Path dir;

    @Test
    void aWipedReplicaRejoinsItsGroupsThroughACheckpoint() throws Exception {
        try (ReplicatedCluster cluster = new ReplicatedCluster(dir)) {
            Placement p = cluster.placement();
            AckLedger ledger = new AckLedger(SECTORS);
            int victim;
            try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(20), Duration.ofSeconds(1));
                 Writer w = new Writer(v, ledger, 24)) {
                w.await(40);
                // Chunk 0's leader: its replacement must learn that the wiped server lost what it acknowledged.
                victim = v.leaderOf(0) == 0 ? 1 : v.leaderOf(0);
                cluster.kill(victim);
                cluster.wipe(victim);
                w.await(20);
                cluster.start(victim);
                // The wiped server comes back as a new member of each group: removed, then added.
                ReplicaMembership.rejoin(p, victim, Duration.ofSeconds(30));
                w.await(40);
                w.close();
                assertThat(ledger.wrong(readAll(v))).as("acknowledged writes after the wipe").isEmpty();
            }
            assertRejoined(cluster, p, ledger, victim);
        }
    }

    @Test
    void aReplicaDownWhileItsLeaderPrunesCatchesUpThroughACheckpoint() throws Exception {
        try (ReplicatedCluster cluster = new ReplicatedCluster(dir, "--replication-log-size", "16M")) {
            Placement p = cluster.placement();
            AckLedger ledger = new AckLedger(SECTORS);
            try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(20), Duration.ofSeconds(1))) {
                try (Writer w = new Writer(v, ledger, 24)) {
                    w.await(20);
                    cluster.kill(3);
                }
                // 128 KB writes, three times the log: the servers up prune past server 3 to go on.
                try (Writer w = new Writer(v, ledger, 256)) {
                    w.await(3 * 128);
                    cluster.start(3);
                    w.await(40);
                }
                assertThat(ledger.wrong(readAll(v))).as("acknowledged writes").isEmpty();
            }
            assertRejoined(cluster, p, ledger, 3);
        }
    }

    /** Replicas equal; then with a server other than {@code rejoined} down, everything acknowledged reads back. */
    private static void assertRejoined(ReplicatedCluster cluster, Placement p, AckLedger ledger, int rejoined)
            throws Exception {
        assertThat(ReplicaCompare.differences(p, Duration.ofSeconds(60))).as("replicas equal").isEmpty();
        int other = rejoined == 1 ? 2 : 1;
        cluster.kill(other);
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(20), Duration.ofSeconds(1))) {
            assertThat(ledger.wrong(readAll(v))).as("read back with server %d down", other).isEmpty();
        }
    }

    private static ByteBuffer readAll(ReplicatedVolume v) throws VolumeException {
        ByteBuffer all = ByteBuffer.allocate(SECTORS * AckLedger.SECTOR);
        VolumeException.await(v.read(0, all));
        return all;
    }

    /** One write at a time of up to {@code most} sectors at a random place, each recorded in the ledger. */
    private static final class Writer implements AutoCloseable {
        private static final AtomicLong IDS = new AtomicLong(1);
        private final AckLedger ledger;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        Writer(ReplicatedVolume v, AckLedger ledger, int most) {
            this.ledger = ledger;
            Random rnd = new Random(most);
            this.thread = Thread.ofPlatform().name("writer").start(() -> {
                while (!stop.get()) {
                    long id = IDS.getAndIncrement();
                    int count = most <= 24 ? 1 + rnd.nextInt(most) : most;
                    int first = rnd.nextInt(SECTORS - count + 1) / 8 * 8;
                    ledger.gate.lock();
                    try {
                        VolumeException.await(v.write((long) first * AckLedger.SECTOR, AckLedger.payload(id, count), 1,
                                true));
                        ledger.acknowledged(id, first, count);
                    } catch (VolumeException e) {
                        ledger.failed(id, first, count);
                        LockSupport.parkNanos(10_000_000L);
                    } finally {
                        ledger.gate.unlock();
                    }
                }
            });
        }

        /** Waits for {@code n} more acknowledgements: I/O goes on by itself. */
        void await(int n) throws InterruptedException {
            long target = ledger.acks() + n;
            long end = System.nanoTime() + 120_000_000_000L;
            while (ledger.acks() < target) {
                if (System.nanoTime() > end) {
                    throw new AssertionError("no progress: " + ledger.acks() + " acknowledgements, waited for "
                            + target + " (" + ledger.failures() + " writes failed)");
                }
                Thread.sleep(20);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join();
        }
    }
}
