package dev.pfs.chunkserver.system;

import dev.pfs.chunkserver.client.Placement;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code n} chunkserver processes, server {@code i} (ids 1..n) in member {@code i}'s namespace of
 * a {@link NetnsLab}, listening on its namespace's address (every server on the same port: each
 * namespace has its own). A restarted server keeps its address and data directory.
 */
final class NetnsCluster implements AutoCloseable {
    static final long CHUNK = 1 << 20;
    private static final int PORT = 7100;

    private final NetnsLab lab;
    private final Path root;
    private final int n;
    private final Map<Integer, InetSocketAddress> addresses = new LinkedHashMap<>();
    private final Map<Integer, ChunkServerProcess> procs = new LinkedHashMap<>();

    NetnsCluster(NetnsLab lab, Path root, int n) throws IOException {
        this.lab = lab;
        this.root = Files.createDirectories(root);
        this.n = n;
        for (int id = 1; id <= n; id++) {
            addresses.put(id, InetSocketAddress.createUnresolved(lab.address(id), PORT));
        }
        try {
            for (int id = 1; id <= n; id++) {
                start(id);
            }
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /** @return a volume of {@code chunks} 1 MB chunks replicated on every server, chunk i's list from server i+1 */
    Placement placement(String name, long volumeId, int chunks) {
        return Placement.spread(name, volumeId, chunks * CHUNK, CHUNK, addresses, n);
    }

    /** @return the number of servers */
    int size() {
        return n;
    }

    /** Starts (or restarts) server {@code id} in its namespace. */
    void start(int id) throws IOException {
        procs.put(id, ChunkServerProcess.startIn(lab.launcher(id), root.resolve("cs" + id),
                lab.address(id) + ":" + PORT, "--server-id", String.valueOf(id), "--capacity", "256M",
                "--wal-size", "16M", "--chunk-size", String.valueOf(CHUNK), "--max-chunks", "128"));
    }

    /** @return server {@code id}'s data directory */
    Path dataDir(int id) {
        return root.resolve("cs" + id);
    }

    /** Deletes the data directory of server {@code id}, which must be down: it restarts on an empty one. */
    void wipe(int id) throws IOException {
        try (Stream<Path> all = Files.walk(root.resolve("cs" + id))) {
            for (Path f : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    /** kill -9 of server {@code id}. */
    void kill(int id) throws InterruptedException {
        procs.get(id).kill();
    }

    /** @return whether server {@code id}'s process runs */
    boolean running(int id) {
        return procs.get(id).handle().isAlive();
    }

    @Override
    public void close() {
        for (ChunkServerProcess p : procs.values()) {
            try {
                p.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
