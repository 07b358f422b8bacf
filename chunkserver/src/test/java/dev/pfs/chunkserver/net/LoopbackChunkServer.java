package dev.pfs.chunkserver.net;

import dev.pfs.chunkserver.client.ChunkClient;
import dev.pfs.chunkserver.metrics.ChunkServerMetrics;
import dev.pfs.chunkserver.store.ChunkStore;
import dev.pfs.common.volume.FileVolume;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** A chunkserver over files on loopback with one connected client, restartable over the same files. */
final class LoopbackChunkServer implements AutoCloseable {
    private final FileVolume data;
    private final FileVolume wal;
    private final FileVolume meta;
    private final long chunkSize;
    private final int ioThreads;
    private final Path dir;
    ChunkStore store;
    ChunkServer server;
    ChunkClient client;
    ChunkServerMetrics metrics;

    private LoopbackChunkServer(Path dir, int blocks, int maxChunks, long chunkSize, int ioThreads) throws Exception {
        this.dir = dir;
        this.chunkSize = chunkSize;
        this.ioThreads = ioThreads;
        data = FileVolume.create(dir.resolve("data"), (long) blocks * ChunkStore.BLOCK_SIZE);
        wal = FileVolume.create(dir.resolve("wal"), 8 << 20);
        meta = FileVolume.create(dir.resolve("meta"), ChunkStore.metaVolumeSize(data.size(), maxChunks));
        ChunkStore.format(data, meta, maxChunks);
        start();
    }

    private LoopbackChunkServer(Path dir, long chunkSize, int ioThreads) throws Exception {
        this.dir = dir;
        this.chunkSize = chunkSize;
        this.ioThreads = ioThreads;
        data = FileVolume.open(dir.resolve("data"));
        wal = FileVolume.open(dir.resolve("wal"));
        meta = FileVolume.open(dir.resolve("meta"));
        start();
    }

    /** Formats a store of {@code blocks} data blocks in {@code dir} and serves it. */
    static LoopbackChunkServer start(Path dir, int blocks, int maxChunks, long chunkSize, int ioThreads)
            throws Exception {
        return new LoopbackChunkServer(dir, blocks, maxChunks, chunkSize, ioThreads);
    }

    private void start() throws Exception {
        metrics = new ChunkServerMetrics(new PrometheusRegistry());
        // Configured as the daemon configures it: no chunk larger than the chunk size.
        store = ChunkStore.open(data, wal, meta, ChunkStore.Options.defaults().withObserver(metrics)
                .withMaxChunkSize(chunkSize));
        server = ChunkServer.start(new InetSocketAddress("127.0.0.1", 0), store, chunkSize, metrics, ioThreads);
        client = ChunkClient.connect(server.address());
    }

    /**
     * Copies the files of this running server into {@code to}, as a machine that died now would
     * leave them (every acknowledged change is in a synced WAL frame; no checkpoint at stop),
     * and serves the copy: its store recovers by replaying the WAL.
     */
    LoopbackChunkServer crashCopy(Path to) throws Exception {
        for (String f : new String[] {"meta", "data", "wal"}) {
            Files.copy(dir.resolve(f), to.resolve(f));
        }
        return new LoopbackChunkServer(to, chunkSize, ioThreads);
    }

    /** Stops the server and the store cleanly and starts both again over the same files. */
    void restart() throws Exception {
        stop();
        start();
    }

    private void stop() {
        client.close();
        server.close();
        store.close();
    }

    @Override
    public void close() {
        stop();
        data.close();
        wal.close();
        meta.close();
    }
}
