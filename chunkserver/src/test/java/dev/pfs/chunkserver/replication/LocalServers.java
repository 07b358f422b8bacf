package dev.pfs.chunkserver.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.cli.ChunkServerConfig;
import dev.pfs.chunkserver.cli.ChunkServerDaemon;
import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.disk.DataDir;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Chunkservers in this JVM on loopback for the replication tests: server {@code id} keeps its
 * data directory ({@code cs<id>} under the root) and its port across stops and starts, as a
 * restarted process would. Chunks of 1 MB; the replication log size is the caller's.
 */
final class LocalServers implements AutoCloseable {
    static final long CHUNK = 1 << 20;

    private final Path root;
    private final ChunkServerDaemon[] servers;
    /** Server id → its data-path address. */
    final Map<Integer, InetSocketAddress> addresses = new LinkedHashMap<>();
    private final long logBytes;

    /** Picks a port for each of servers 1 to {@code count}; none is started yet. */
    LocalServers(Path root, int count, long logBytes) throws java.io.IOException {
        this.root = root;
        this.servers = new ChunkServerDaemon[count];
        this.logBytes = logBytes;
        for (int id = 1; id <= count; id++) {
            addresses.put(id, InetSocketAddress.createUnresolved("127.0.0.1", ReplicationLoopbackTest.freePort()));
        }
    }

    void start(int id) throws Exception {
        ChunkServerConfig cfg = new ChunkServerConfig(dataDir(id), null,
                new InetSocketAddress("127.0.0.1", addresses.get(id).getPort()), null, CHUNK,
                new DataDir.Layout(64L << 20, 16L << 20, 64), "pfs", (long) id, 1, logBytes);
        servers[id - 1] = ChunkServerDaemon.start(cfg);
    }

    /** Starts every server that is not running. */
    void startAll() throws Exception {
        for (int id = 1; id <= servers.length; id++) {
            if (servers[id - 1] == null) {
                start(id);
            }
        }
    }

    void stop(int id) {
        servers[id - 1].close();
        servers[id - 1] = null;
    }

    /** @return server {@code id}'s data directory */
    Path dataDir(int id) {
        return root.resolve("cs" + id);
    }

    /** @return servers 1 to {@code count}'s addresses */
    Map<Integer, InetSocketAddress> first(int count) {
        Map<Integer, InetSocketAddress> out = new LinkedHashMap<>();
        for (int id = 1; id <= count; id++) {
            out.put(id, addresses.get(id));
        }
        return out;
    }

    /** @return a volume of {@code size} bytes whose chunks each live on every server */
    Placement placement(String name, long volumeId, long size) {
        return Placement.spread(name, volumeId, size, CHUNK, addresses, servers.length);
    }

    /** @return a replication counter of running server {@code id} ({@code Replication.counters}) */
    long counter(int id, String name) {
        return servers[id - 1].replication().counters().get(name);
    }

    /** Waits until counter {@code name} of every running server reaches {@code atLeast}, failing after {@code within}. */
    void awaitCounter(String name, long atLeast, Duration within) throws InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        for (int id = 1; id <= servers.length; id++) {
            while (servers[id - 1] != null && counter(id, name) < atLeast) {
                assertThat(System.nanoTime()).as("server %d's %s reaches %d", id, name, atLeast).isLessThan(end);
                Thread.sleep(20);
            }
        }
    }

    /** Stops every running server. */
    @Override
    public void close() {
        for (int id = 1; id <= servers.length; id++) {
            if (servers[id - 1] != null) {
                stop(id);
            }
        }
    }
}
