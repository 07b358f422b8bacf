package dev.pfs.chunkserver.cli;

import dev.pfs.chunkserver.disk.DataDir;
import dev.pfs.chunkserver.metrics.ChunkServerMetrics;
import dev.pfs.chunkserver.metrics.HealthHandler;
import dev.pfs.chunkserver.net.ChunkServer;
import dev.pfs.chunkserver.protocol.Transport;
import dev.pfs.chunkserver.store.ChunkStore;
import dev.pfs.chunkserver.tls.ClusterTls;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import dev.pfs.chunkserver.replication.Replication;
import dev.pfs.common.volume.FileVolume;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running chunkserver: the data directory and its store, the data-path server, and the
 * metrics / health HTTP endpoint. {@link #close()} shuts down in the safe order: stop taking
 * requests, finish the store with a checkpoint, release the disk.
 */
public final class ChunkServerDaemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChunkServerDaemon.class);

    private final DataDir dir;
    /** The replication log's file in the data directory: every replication group's raft log. */
    public static final String REPLICATION_LOG = "replication.log";

    private final ChunkStore store;
    private final Replication replication;
    private final FileVolume replicationLog;
    private final ChunkServer server;
    private final HTTPServer http;

    private ChunkServerDaemon(DataDir dir, ChunkStore store, Replication replication, FileVolume replicationLog,
                              ChunkServer server, HTTPServer http) {
        this.dir = dir;
        this.store = store;
        this.replication = replication;
        this.replicationLog = replicationLog;
        this.server = server;
        this.http = http;
    }

    /** Opens (or formats) the data directory, recovers the store and starts serving. */
    public static ChunkServerDaemon start(ChunkServerConfig config) throws IOException, InterruptedException {
        LOG.info("config data_dir={} wal_dir={} listen={} metrics={} chunk_size={} capacity={} wal_size={} "
                        + "max_chunks={} io_threads={} transport={} tls={}", config.dataDir(),
                config.walDir() == null ? config.dataDir() : config.walDir(), config.listen(), config.metrics(),
                config.chunkSize(), config.layout().capacityBytes(), config.layout().walBytes(),
                config.layout().maxChunks(), config.ioThreads(), Transport.isEpoll() ? "epoll" : "nio",
                config.tls() == null ? "off" : config.tls());
        ClusterTls tls = config.tls() == null ? null : config.tls().load();
        PrometheusRegistry registry = new PrometheusRegistry();
        ChunkServerMetrics metrics = new ChunkServerMetrics(registry);
        DataDir dir = DataDir.openOrFormat(config.dataDir(), config.walDir(), config.clusterId(), config.serverId(),
                config.layout());
        ChunkStore store = null;
        FileVolume replicationLog = null;
        Replication replication = null;
        ChunkServer server = null;
        try {
            if (!dir.isDirect()) {
                LOG.warn("data file is not opened with O_DIRECT (file system refused it); durability still rests on fdatasync");
            }
            store = dir.openStore(ChunkStore.Options.defaults().withObserver(metrics).withMaxChunkSize(config.chunkSize()));
            Path logPath = config.dataDir().resolve(REPLICATION_LOG);
            replicationLog = DataDir.openReplicationLog(logPath, config.replicationLogBytes());
            replication = Replication.open((int) Math.max(1, dir.stamp().serverId()), replicationLog, store, tls);
            metrics.replication(registry, replication);
            server = ChunkServer.start(config.listen(), store, replication, config.chunkSize(), metrics,
                    config.ioThreads(), tls);
            HTTPServer http = null;
            if (config.metrics() != null) {
                http = HTTPServer.builder().inetAddress(config.metrics().getAddress()).port(config.metrics().getPort())
                        .registry(registry).registerHealthHandler(false)
                        .defaultHandler(new HealthHandler(List.of(store::failure, replication::failure))).buildAndStart();
            }
            LOG.info("serving cluster={} server={} disk={} listen={}", dir.stamp().clusterId(), dir.stamp().serverId(),
                    dir.stamp().diskId(), server.address());
            return new ChunkServerDaemon(dir, store, replication, replicationLog, server, http);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (server != null) {
                server.close();
            }
            if (replication != null) {
                replication.close();
            }
            if (replicationLog != null) {
                replicationLog.close();
            }
            if (store != null) {
                store.close();
            }
            dir.close();
            throw e;
        }
    }

    /** @return the data-path address */
    public InetSocketAddress address() {
        return server.address();
    }

    /** @return this server's side of replicated chunks (its counters, for tests and health) */
    public Replication replication() {
        return replication;
    }

    /** @return the metrics address, or null */
    public InetSocketAddress metricsAddress() {
        return http == null ? null : new InetSocketAddress(server.address().getAddress(), http.getPort());
    }

    @Override
    public void close() {
        LOG.info("shutting down: closing connections, checkpointing the store");
        server.close();
        replication.close();
        replicationLog.close();
        store.close();
        dir.close();
        if (http != null) {
            http.close();
        }
        LOG.info("stopped");
    }
}
