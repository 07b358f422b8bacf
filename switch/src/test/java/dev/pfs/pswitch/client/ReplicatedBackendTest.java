package dev.pfs.pswitch.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.cli.ChunkServerConfig;
import dev.pfs.chunkserver.cli.ChunkServerDaemon;
import dev.pfs.chunkserver.client.ChunkClient;
import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.chunkserver.client.ReplicaCompare;
import dev.pfs.chunkserver.disk.DataDir;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.nativeio.DeviceIo;
import dev.pfs.pswitch.server.SwitchConfig;
import dev.pfs.pswitch.server.SwitchDaemon;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The switch routing to a replicated volume (the {@code replicated:} backend): three
 * chunkservers and the switch in this JVM, a client through the switch's rings. What the
 * client writes must reach every replica's store, read there directly (not through the group).
 */
@Timeout(180)
class ReplicatedBackendTest {
    private static final long CHUNK = 1L << 20;

    @TempDir
    Path dir;
    private final ChunkServerDaemon[] servers = new ChunkServerDaemon[3];
    private final Map<Integer, InetSocketAddress> addresses = new LinkedHashMap<>();

    @AfterEach
    void stop() {
        for (ChunkServerDaemon s : servers) {
            if (s != null) {
                s.close();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void start(int id) throws Exception {
        ChunkServerConfig cfg = new ChunkServerConfig(dir.resolve("cs" + id), null,
                new InetSocketAddress("127.0.0.1", addresses.get(id).getPort()), null, CHUNK,
                new DataDir.Layout(64L << 20, 16L << 20, 64), "pfs", (long) id, 1, 32L << 20);
        servers[id - 1] = ChunkServerDaemon.start(cfg);
    }

    /** Three servers and a two-chunk volume over them, its placement file written as pfs volume create does. */
    private Placement cluster(Path placementFile) throws Exception {
        for (int id = 1; id <= 3; id++) {
            addresses.put(id, InetSocketAddress.createUnresolved("127.0.0.1", freePort()));
        }
        for (int id = 1; id <= 3; id++) {
            start(id);
        }
        Placement p = Placement.spread("r", 11, 2 * CHUNK, CHUNK, addresses, 3);
        ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2)).close();
        p.write(placementFile);
        return p;
    }

    private SwitchConfig switchFor(Path placementFile) {
        return new SwitchConfig(dir.resolve("s.sock"),
                List.of(new SwitchConfig.Volume("r", "replicated:" + placementFile, DeviceIo.geteuid())),
                SwitchFixture.SMALL, Duration.ofSeconds(5), null);
    }

    @Test
    void writesThroughTheSwitchReachEveryReplica() throws Exception {
        Path file = dir.resolve("r.placement");
        Placement p = cluster(file);
        SwitchConfig config = switchFor(file);
        byte[] data = SwitchVolumeTest.random(192 * 1024, 5);
        long across = CHUNK - 64 * 1024;
        try (SwitchDaemon sw = SwitchDaemon.start(config); SwitchVolume v = SwitchVolume.connect(config.socket(), "r")) {
            assertThat(v.size()).isEqualTo(2 * CHUNK);
            VolumeException.await(v.write(across, ByteBuffer.wrap(data), 1, true));
            ByteBuffer back = ByteBuffer.allocate(data.length);
            VolumeException.await(v.read(across, back));
            assertThat(back.array()).isEqualTo(data);
        }
        // Each replica's own store, read directly: the first 64 KB in chunk 0, the rest in chunk 1.
        for (int id = 1; id <= 3; id++) {
            assertThat(awaitReplica(id, p.chunkId(0), CHUNK - 64 * 1024, Arrays.copyOfRange(data, 0, 64 * 1024)))
                    .as("chunk 0 on server %d", id).isTrue();
            assertThat(awaitReplica(id, p.chunkId(1), 0, Arrays.copyOfRange(data, 64 * 1024, data.length)))
                    .as("chunk 1 on server %d", id).isTrue();
        }
        assertThat(ReplicaCompare.differences(p, Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void aClientOfTheSwitchGoesOnWhenAChunkLeaderStops() throws Exception {
        Path file = dir.resolve("r.placement");
        Placement p = cluster(file);
        SwitchConfig config = switchFor(file);
        try (SwitchDaemon sw = SwitchDaemon.start(config); SwitchVolume v = SwitchVolume.connect(config.socket(), "r")) {
            VolumeException.await(v.write(0, ByteBuffer.wrap(SwitchVolumeTest.random(4096, 1)), 1, true));
            int leader = leaderOf(p, 0);
            servers[leader - 1].close();
            servers[leader - 1] = null;
            byte[] after = SwitchVolumeTest.random(8192, 2);
            VolumeException.await(v.write(0, ByteBuffer.wrap(after), 1, true));
            ByteBuffer back = ByteBuffer.allocate(after.length);
            VolumeException.await(v.read(0, back));
            assertThat(back.array()).isEqualTo(after);
            start(leader);
        }
        assertThat(ReplicaCompare.differences(p, Duration.ofSeconds(20))).isEmpty();
    }

    /** @return the server that serves a replicated read of chunk {@code chunk} (the others answer NOT_LEADER) */
    private int leaderOf(Placement p, int chunk) throws Exception {
        for (int id : p.replicas().get(chunk)) {
            try (ChunkClient c = ChunkClient.connect(p.servers().get(id), Duration.ofSeconds(5))) {
                c.replicatedRead(p.chunkId(chunk), 0, ByteBuffer.allocate(512)).get(10, TimeUnit.SECONDS);
                return id;
            } catch (java.util.concurrent.ExecutionException e) {
                // NOT_LEADER: another replica leads
            }
        }
        throw new AssertionError("no replica of chunk " + chunk + " serves reads");
    }

    /** Followers apply a little behind their leader: polls server {@code id}'s store until it holds {@code want}. */
    private boolean awaitReplica(int id, long chunkId, long offset, byte[] want) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try (ChunkClient c = ChunkClient.connect(addresses.get(id), Duration.ofSeconds(5))) {
            while (true) {
                ByteBuffer got = ByteBuffer.allocate(want.length);
                c.read(chunkId, offset, got).get(10, TimeUnit.SECONDS);
                if (Arrays.equals(got.array(), want)) {
                    return true;
                }
                if (System.nanoTime() > deadline) {
                    return false;
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
    }
}
