package dev.pfs.chunkserver.system;

import dev.pfs.chunkserver.client.Placement;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Three chunkserver processes on fixed loopback ports (a restarted server keeps its address, as
 * the placement names it), with server ids 1..3, holding one volume of two 1 MB chunks.
 */
final class ReplicatedCluster implements AutoCloseable {
    static final long CHUNK = 1 << 20;

    private final Path root;
    private final Map<Integer, InetSocketAddress> addresses = new LinkedHashMap<>();
    private final Map<Integer, ChunkServerProcess> procs = new LinkedHashMap<>();

    ReplicatedCluster(Path root) throws IOException, InterruptedException {
        this.root = Files.createDirectories(root);
        for (int id = 1; id <= 3; id++) {
            try (ServerSocket s = new ServerSocket(0)) {
                addresses.put(id, InetSocketAddress.createUnresolved("127.0.0.1", s.getLocalPort()));
            }
        }
        try {
            for (int id = 1; id <= 3; id++) {
                start(id);
            }
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /** @return the volume's placement: chunk i's replicas rotate from server i+1 */
    Placement placement() {
        return Placement.spread("crash", 3, 2 * CHUNK, CHUNK, addresses, 3);
    }

    /** Starts (or restarts) server {@code id} on its data directory and address. */
    void start(int id) throws IOException {
        procs.put(id, ChunkServerProcess.startAt(root.resolve("cs" + id), "127.0.0.1:" + addresses.get(id).getPort(),
                "--server-id", String.valueOf(id), "--capacity", "128M", "--wal-size", "16M", "--chunk-size", "1M",
                "--max-chunks", "16"));
    }

    /** kill -9 of server {@code id}. */
    void kill(int id) throws InterruptedException {
        procs.get(id).kill();
    }

    @Override
    public void close() throws InterruptedException {
        for (ChunkServerProcess p : procs.values()) {
            p.close();
        }
    }
}
