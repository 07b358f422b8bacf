package dev.pfs.chunkserver.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.chunkserver.client.ChunkClient;
import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicaCompare;
import dev.pfs.chunkserver.client.ReplicaMembership;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.common.volume.VolumeException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Membership changes on four servers in this JVM: a fourth server added to groups holding data
 * catches up (checkpoint plus log) and an old member is removed, while a writer goes on; the
 * replicas are equal, every acknowledged write reads back, and after a restart of every server
 * the groups run with their new members. Bad requests are refused and change nothing.
 */
@Timeout(300)
class MembershipChangeTest {
    private static final long CHUNK = LocalServers.CHUNK;
    private static final int PIECE = 64 << 10;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private LocalServers servers;
    private Map<Integer, InetSocketAddress> addresses;

    /** Starts four servers; the volume's two chunks live on the first three. */
    private Placement startAll() throws Exception {
        servers = new LocalServers(dir, 4, 32L << 20);
        addresses = servers.addresses;
        servers.startAll();
        return Placement.spread("members", 12, 2 * CHUNK, CHUNK, servers.first(3), 3);
    }

    @AfterEach
    void stopAll() {
        if (servers != null) {
            servers.close();
        }
    }

    /** A writer of 64 KB FUA writes in turn over the volume, recording what was acknowledged. */
    private static final class Writer extends Thread {
        final byte[] model;
        final ReplicatedVolume volume;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<Throwable> failed = new AtomicReference<>();
        int written;

        Writer(ReplicatedVolume volume, byte[] model) {
            this.volume = volume;
            this.model = model;
        }

        @Override
        public void run() {
            try {
                while (!stop.get()) {
                    write(volume, written++, 1, model);
                }
            } catch (Throwable t) {
                failed.set(t);
            }
        }
    }

    private static synchronized void write(ReplicatedVolume v, int from, int count, byte[] model)
            throws VolumeException {
        for (int i = from; i < from + count; i++) {
            int at = (int) ((long) i * PIECE % model.length);
            byte[] b = new byte[PIECE];
            Arrays.fill(b, (byte) (i % 251 + 1));
            VolumeException.await(v.write(at, ByteBuffer.wrap(b), 0, true));
            System.arraycopy(b, 0, model, at, PIECE);
        }
    }

    private static List<String> differences(Placement p, byte[] model) throws Exception {
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
            ByteBuffer dst = ByteBuffer.allocate(model.length);
            VolumeException.await(v.read(0, dst));
            List<String> out = new ArrayList<>();
            for (int at = 0; at < model.length; at += PIECE) {
                if (!Arrays.equals(dst.array(), at, at + PIECE, model, at, at + PIECE)) {
                    out.add(at / PIECE + ": " + dst.array()[at] + "/" + model[at]);
                }
            }
            return out;
        }
    }

    @Test
    void aFourthServerJoinsWithTheDataAndAnOldOneLeavesWhileWritesGoOn() throws Exception {
        Placement p = startAll();
        byte[] model = new byte[(int) (2 * CHUNK)];
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
            write(v, 0, 64, model);
            Writer w = new Writer(v, model);
            w.start();
            // Chunk 0: server 4 joins, server 1 (its leader) leaves; chunk 1: server 4 joins, 2 leaves.
            p = ReplicaMembership.add(p, 0, 4, addresses.get(4), DEADLINE);
            p = ReplicaMembership.remove(p, 0, 1, DEADLINE);
            p = ReplicaMembership.add(p, 1, 4, addresses.get(4), DEADLINE);
            p = ReplicaMembership.remove(p, 1, 2, DEADLINE);
            w.stop.set(true);
            w.join();
            assertThat(w.failed.get()).as("writes during the changes").isNull();
            assertThat(w.written).as("writes acknowledged during the changes").isPositive();
        }
        assertThat(p.replicas()).containsExactly(List.of(2, 3, 4), List.of(3, 1, 4));
        assertThat(ReplicaCompare.differences(p, Duration.ofSeconds(60))).as("replicas equal").isEmpty();
        assertThat(differences(p, model)).as("everything acknowledged reads back").isEmpty();

        for (int id = 1; id <= 4; id++) {
            servers.stop(id);
        }
        for (int id = 1; id <= 4; id++) {
            servers.start(id);
        }
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
            write(v, 1000, 8, model);
        }
        assertThat(ReplicaCompare.differences(p, Duration.ofSeconds(60))).as("replicas equal after restart")
                .isEmpty();
        // With servers 1 and 2 down, chunk 0 (once 1, 2, 3) has a majority only if server 4 is
        // among its members after the restart.
        servers.stop(1);
        servers.stop(2);
        assertThat(differences(p, model)).as("read back with servers 1 and 2 down").isEmpty();
    }

    /**
     * The safe way back for a replica whose data directory was wiped (it forgot its term and
     * vote): removed first, so no quorum counts it, then added back under its id as a joining
     * non-voter that catches up before the configuration that lets it vote commits.
     */
    @Test
    void aWipedReplicaIsRemovedAndAddedBack() throws Exception {
        Placement p = startAll();
        byte[] model = new byte[(int) (2 * CHUNK)];
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
            write(v, 0, 32, model);
        }
        servers.stop(3);
        try (java.util.stream.Stream<Path> all = java.nio.file.Files.walk(servers.dataDir(3))) {
            for (Path f : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(f);
            }
        }
        servers.start(3);
        for (int chunk = 0; chunk < p.chunks(); chunk++) {
            p = ReplicaMembership.remove(p, chunk, 3, DEADLINE);
            p = ReplicaMembership.add(p, chunk, 3, addresses.get(3), DEADLINE);
        }
        assertThat(p.replicas()).containsExactly(List.of(1, 2, 3), List.of(2, 1, 3));
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
            write(v, 32, 8, model);
        }
        assertThat(ReplicaCompare.differences(p, Duration.ofSeconds(60))).as("replicas equal").isEmpty();
        servers.stop(1);
        assertThat(differences(p, model)).as("read back with server 1 down").isEmpty();
    }

    @Test
    void badRequestsAreRefusedAndChangeNothing() throws Exception {
        Placement p = startAll();
        byte[] model = new byte[(int) (2 * CHUNK)];
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
            write(v, 0, 8, model);
        }
        Placement original = p;
        assertThatThrownBy(() -> ReplicaMembership.add(original, 0, 2, addresses.get(2), DEADLINE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already a replica");
        assertThatThrownBy(() -> ReplicaMembership.remove(original, 0, 4, DEADLINE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a replica");
        // At the servers: a payload that is no member list, a change by two members, no change.
        long chunk = p.chunkId(0);
        for (int id = 1; id <= 3; id++) {
            try (ChunkClient c = ChunkClient.connect(addresses.get(id), Duration.ofSeconds(10))) {
                assertRefused(c, chunk, "garbage", "bad member");
                assertRefused(c, chunk, "1=127.0.0.1:1\n", "more than one");
                assertRefused(c, chunk, new String(p.members(0), StandardCharsets.UTF_8), "already");
            }
        }
        // Down to two members, then no further.
        p = ReplicaMembership.remove(p, 0, 3, DEADLINE);
        Placement two = p;
        assertThatThrownBy(() -> ReplicaMembership.remove(two, 0, 2, DEADLINE)).isInstanceOf(IOException.class)
                .hasMessageContaining("at least 2 must remain");
        assertThat(differences(p, model)).isEmpty();
        // No quorum: with servers 2 and 3 down, chunk 1 (servers 2, 3, 1) has no leader.
        servers.stop(2);
        servers.stop(3);
        assertThatThrownBy(() -> ReplicaMembership.add(two, 1, 4, addresses.get(4), Duration.ofSeconds(3)))
                .isInstanceOf(IOException.class).hasMessageContaining("no leader with a quorum");
    }

    /** A change at a non-leader answers NOT_LEADER; a bad one is refused MALFORMED wherever it is asked. */
    private static void assertRefused(ChunkClient c, long chunk, String members, String why) throws Exception {
        try {
            c.changeMembers(chunk, members.getBytes(StandardCharsets.UTF_8)).get();
        } catch (ExecutionException e) {
            ChunkException ce = (ChunkException) e.getCause();
            if (ce.status() == ChunkStatus.NOT_LEADER && !why.equals("bad member")) {
                return;
            }
            assertThat(ce.status()).isEqualTo(ChunkStatus.MALFORMED);
            assertThat(ce.getMessage()).contains(why);
            return;
        }
        throw new AssertionError("change to '" + members + "' was accepted");
    }
}
