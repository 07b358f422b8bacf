package dev.pfs.chunkserver.system;

import dev.pfs.chunkserver.client.Placement;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Three chunkserver processes on fixed loopback ports (a restarted server keeps its address, as
 * the placement names it), with server ids 1..3. {@link #placement()} is the crash and stall
 * tests' volume of two 1 MB chunks; {@link #placement(String, long, long, long)} makes others.
 */
final class ReplicatedCluster implements AutoCloseable {
    static final long CHUNK = 1 << 20;

    private final Path root;
    private final Map<Integer, InetSocketAddress> addresses = new LinkedHashMap<>();
    private final Map<Integer, ChunkServerProcess> procs = new LinkedHashMap<>();
    private final long chunkSize;
    private final String capacity;
    private final int maxChunks;
    private final String[] extra;

    /** Servers of 128 MB with at most 16 chunks of 1 MB each. */
    ReplicatedCluster(Path root) throws IOException, InterruptedException {
        this(root, CHUNK, "128M", 16);
    }

    /** Servers of 128 MB with at most 16 chunks of 1 MB each, started with {@code extra} options too. */
    ReplicatedCluster(Path root, String... extra) throws IOException, InterruptedException {
        this(root, CHUNK, "128M", 16, extra);
    }

    /**
     * @param chunkSize each server's {@code --chunk-size}: the largest chunk it creates
     * @param capacity  each server's {@code --capacity}
     * @param maxChunks each server's {@code --max-chunks}
     */
    ReplicatedCluster(Path root, long chunkSize, String capacity, int maxChunks, String... extra)
            throws IOException, InterruptedException {
        this.root = Files.createDirectories(root);
        this.extra = extra;
        this.chunkSize = chunkSize;
        this.capacity = capacity;
        this.maxChunks = maxChunks;
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
        return placement("crash", 3, 2 * CHUNK, CHUNK);
    }

    /** @return a placement of volume {@code name} over the three servers, chunk i's replicas from server i+1 */
    Placement placement(String name, long volumeId, long size, long chunkSize) {
        return Placement.spread(name, volumeId, size, chunkSize, addresses, 3);
    }

    /** Starts (or restarts) server {@code id} on its data directory and address. */
    void start(int id) throws IOException {
        List<String> options = new ArrayList<>(List.of("--server-id", String.valueOf(id), "--capacity", capacity,
                "--wal-size", "16M", "--chunk-size", String.valueOf(chunkSize), "--max-chunks",
                String.valueOf(maxChunks)));
        options.addAll(List.of(extra));
        procs.put(id, ChunkServerProcess.startAt(root.resolve("cs" + id), "127.0.0.1:" + addresses.get(id).getPort(),
                options.toArray(String[]::new)));
    }

    /** Deletes the data directory of server {@code id}, which must be down: it starts on an empty one, formatted afresh. */
    void wipe(int id) throws IOException {
        try (Stream<Path> all = Files.walk(root.resolve("cs" + id))) {
            for (Path f : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    /**
     * Swaps the addresses of servers {@code a} and {@code b}, which must be down: each starts
     * where the other served, as after a move that reused the ports (and a placement made from
     * now on names the new addresses).
     */
    void swapAddresses(int a, int b) {
        InetSocketAddress was = addresses.get(a);
        addresses.put(a, addresses.get(b));
        addresses.put(b, was);
    }

    /** @return where server {@code id} serves (or will, once started) */
    InetSocketAddress address(int id) {
        return addresses.get(id);
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
