package dev.pfs.chunkserver.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.chunkserver.cli.ChunkServerConfig;
import dev.pfs.chunkserver.cli.ChunkServerDaemon;
import dev.pfs.chunkserver.client.ChunkClient;
import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.chunkserver.disk.DataDir;
import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.common.volume.VolumeException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three chunkservers in this JVM on loopback, one replicated volume over them. */
class ReplicationLoopbackTest {
    private static final long CHUNK = 1 << 20;

    @TempDir
    Path dir;
    private final ChunkServerDaemon[] servers = new ChunkServerDaemon[3];
    private final Map<Integer, InetSocketAddress> addresses = new LinkedHashMap<>();

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private ChunkServerDaemon start(int id) throws Exception {
        ChunkServerConfig cfg = new ChunkServerConfig(dir.resolve("cs" + id), null,
                new InetSocketAddress("127.0.0.1", addresses.get(id).getPort()), null, CHUNK,
                new DataDir.Layout(64L << 20, 16L << 20, 64), "pfs", (long) id, 1, 32L << 20);
        servers[id - 1] = ChunkServerDaemon.start(cfg);
        return servers[id - 1];
    }

    private Placement startAll() throws Exception {
        for (int id = 1; id <= 3; id++) {
            addresses.put(id, InetSocketAddress.createUnresolved("127.0.0.1", freePort()));
        }
        for (int id = 1; id <= 3; id++) {
            start(id);
        }
        return Placement.spread("t", 7, 2 * CHUNK, CHUNK, addresses, 3);
    }

    @AfterEach
    void stop() {
        for (ChunkServerDaemon s : servers) {
            if (s != null) {
                s.close();
            }
        }
    }

    private static ByteBuffer filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return ByteBuffer.wrap(b);
    }

    private static byte[] read(ReplicatedVolume v, long offset, int length) throws VolumeException {
        ByteBuffer dst = ByteBuffer.allocate(length);
        VolumeException.await(v.read(offset, dst));
        return dst.array();
    }

    @Test
    void writesAcrossChunksReadBackAndReplicasAgree() throws Exception {
        Placement p = startAll();
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(20), Duration.ofSeconds(2))) {
            VolumeException.await(v.write(CHUNK - 4096, filled(8192, 7), 0, true));
            VolumeException.await(v.write(CHUNK - 512, filled(1024, 9), 0, true));
            byte[] got = read(v, CHUNK - 4096, 8192);
            byte[] want = filled(8192, 7).array();
            Arrays.fill(want, 4096 - 512, 4096 + 512, (byte) 9);
            assertThat(got).isEqualTo(want);
        }
        assertThat(dev.pfs.chunkserver.client.ReplicaCompare.differences(p, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void survivesTheLossOfAnyOneServer() throws Exception {
        Placement p = startAll();
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(20), Duration.ofSeconds(1))) {
            VolumeException.await(v.write(0, filled(4096, 1), 0, true));
            servers[0].close();
            servers[0] = null;
            VolumeException.await(v.write(0, filled(4096, 2), 0, true));
            VolumeException.await(v.write(CHUNK, filled(4096, 3), 0, true));
            assertThat(read(v, 0, 4096)).isEqualTo(filled(4096, 2).array());
            start(1);
            servers[1].close();
            servers[1] = null;
            assertThat(read(v, CHUNK, 4096)).isEqualTo(filled(4096, 3).array());
            VolumeException.await(v.write(4096, filled(4096, 4), 0, true));
            start(2);
        }
    }

    @Test
    void noQuorumFailsNamingTheChunkAndItsServers() throws Exception {
        Placement p = startAll();
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(3), Duration.ofMillis(500))) {
            VolumeException.await(v.write(0, filled(4096, 1), 0, true));
            servers[1].close();
            servers[1] = null;
            servers[2].close();
            servers[2] = null;
            assertThatThrownBy(() -> VolumeException.await(v.write(0, filled(4096, 2), 0, true)))
                    .isInstanceOf(VolumeException.class)
                    .hasMessageContaining("chunk 0 of volume t")
                    .hasMessageContaining("2=127.0.0.1:" + addresses.get(2).getPort())
                    .hasMessageContaining("no leader with a quorum");
        }
    }

    @Test
    void aFencedVolumeRefusesOlderWritersAlsoAfterItsLeaderIsGone() throws Exception {
        Placement p = startAll();
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(20), Duration.ofSeconds(1))) {
            VolumeException.await(v.write(0, filled(4096, 1), 2, true));
            VolumeException.await(v.fence(3));
            for (long stale : new long[] {0, 2}) {
                assertThatThrownBy(() -> VolumeException.await(v.write(0, filled(4096, 9), stale, true)))
                        .isInstanceOfSatisfying(VolumeException.class,
                                e -> assertThat(e.kind()).isEqualTo(VolumeException.Kind.STALE_EPOCH))
                        .hasMessageContaining("stale epoch " + stale + " < 3");
            }
            int leader = v.leaderOf(0);
            servers[leader - 1].close();
            servers[leader - 1] = null;
            assertThatThrownBy(() -> VolumeException.await(v.write(0, filled(4096, 9), 2, true)))
                    .hasMessageContaining("stale epoch 2 < 3");
            VolumeException.await(v.write(0, filled(4096, 4), 3, true));
            assertThat(read(v, 0, 4096)).isEqualTo(filled(4096, 4).array());
        }
    }

    @Test
    void aServerThatDoesNotLeadNamesTheLeader() throws Exception {
        Placement p = startAll();
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(20), Duration.ofSeconds(2))) {
            VolumeException.await(v.write(0, filled(4096, 1), 0, true));
        }
        int leader = 0;
        Map<Integer, ChunkException> refusals = new LinkedHashMap<>();
        for (int id = 1; id <= 3; id++) {
            try (ChunkClient c = ChunkClient.connect(new InetSocketAddress("127.0.0.1", addresses.get(id).getPort()))) {
                try {
                    c.replicatedWrite(p.chunkId(0), 0, 0, 0, filled(512, 5)).get();
                    leader = id;
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(ChunkException.class);
                    refusals.put(id, (ChunkException) e.getCause());
                }
            }
        }
        assertThat(refusals).hasSize(2);
        for (Map.Entry<Integer, ChunkException> r : refusals.entrySet()) {
            assertThat(r.getValue().status()).isEqualTo(ChunkStatus.NOT_LEADER);
            assertThat(r.getValue().leader()).as("the leader server %d names", r.getKey()).isEqualTo(leader);
            assertThat(r.getValue()).hasMessageContaining("server " + leader + " does, at 127.0.0.1:"
                    + addresses.get(leader).getPort());
        }
    }
}
