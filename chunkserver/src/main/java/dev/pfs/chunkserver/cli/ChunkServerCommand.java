package dev.pfs.chunkserver.cli;

import dev.pfs.chunkserver.disk.DataDir;
import dev.pfs.chunkserver.disk.DataDirException;
import dev.pfs.chunkserver.tls.TlsFiles;
import dev.pfs.common.config.ByteSize;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pfs chunkserver}: runs one storage node over one data directory until SIGTERM.
 * Exit codes (those of {@code pfs}): 0 after a clean shutdown, 2 for bad options, 5 when the
 * data directory is refused (foreign, another cluster or server, damaged), 1 for any other
 * failure to start.
 */
@Command(name = "chunkserver", mixinStandardHelpOptions = true,
        description = "Run a chunkserver (storage node) over one data directory; formats it when empty.")
public final class ChunkServerCommand implements Callable<Integer> {
    @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "Data directory (formatted when empty).")
    Path dataDir;

    @Option(names = "--wal-dir", paramLabel = "DIR", description = "Put the WAL here (a faster device); default: the data directory.")
    Path walDir;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:7100",
            description = "Data-path address (default: ${DEFAULT-VALUE}; port 0 picks one).")
    String listen;

    @Option(names = "--metrics", paramLabel = "HOST:PORT|none", defaultValue = "127.0.0.1:7180",
            description = "Prometheus /metrics and /health address, or 'none' (default: ${DEFAULT-VALUE}).")
    String metrics;

    @Option(names = "--chunk-size", paramLabel = "SIZE", defaultValue = "10G",
            description = "Size of a chunk created without one, a multiple of 64K (default: ${DEFAULT-VALUE}).")
    String chunkSize;

    @Option(names = "--capacity", paramLabel = "SIZE", defaultValue = "64G",
            description = "At format: bytes of block space, all reserved from the host file system then (default: ${DEFAULT-VALUE}).")
    String capacity;

    @Option(names = "--wal-size", paramLabel = "SIZE", defaultValue = "256M",
            description = "At format: WAL file size, preallocated, at least 8M (default: ${DEFAULT-VALUE}).")
    String walSize;

    @Option(names = "--replication-log-size", paramLabel = "SIZE", defaultValue = "1G",
            description = "When first created (written with zeros: it takes its space at once): size of the "
                    + "replication log (every replicated chunk's raft log, reclaimed behind the chunks' checkpoints), "
                    + "at least 16M (default: ${DEFAULT-VALUE}).")
    String replicationLogSize;

    @Option(names = "--max-chunks", paramLabel = "N", defaultValue = "4096",
            description = "At format: most chunks on this disk (default: ${DEFAULT-VALUE}).")
    int maxChunks;

    @Option(names = "--cluster-id", paramLabel = "ID", description = "Expected cluster id (stamped at format; default 'pfs').")
    String clusterId;

    @Option(names = "--server-id", paramLabel = "N", description = "Expected server id (stamped at format; default 1).")
    Long serverId;

    @Option(names = "--io-threads", paramLabel = "N", description = "Data-path event loops (default: one per core).")
    Integer ioThreads;

    @Option(names = "--tls-cert", paramLabel = "PEM",
            description = "This server's certificate, signed by the cluster CA (with --tls-key and --tls-ca: mutual TLS).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "The PKCS#8 private key of --tls-cert.")
    Path tlsKey;

    @Option(names = "--tls-ca", paramLabel = "PEM",
            description = "The cluster CA: clients and peers must present a certificate it signed.")
    Path tlsCa;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** @return the validated configuration, or throws with a message naming the option */
    ChunkServerConfig config() {
        InetSocketAddress metricsAddress = "none".equals(metrics) ? null : ChunkServerConfig.address("--metrics", metrics);
        return new ChunkServerConfig(dataDir, walDir, ChunkServerConfig.address("--listen", listen), metricsAddress,
                size("--chunk-size", chunkSize),
                new DataDir.Layout(size("--capacity", capacity), size("--wal-size", walSize), maxChunks),
                clusterId, serverId, ioThreads == null ? Runtime.getRuntime().availableProcessors() : ioThreads,
                size("--replication-log-size", replicationLogSize), TlsFiles.ofOptions(tlsCert, tlsKey, tlsCa));
    }

    private static long size(String option, String text) {
        try {
            return ByteSize.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Integer call() throws Exception {
        ChunkServerConfig config;
        try {
            config = config();
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("pfs chunkserver: " + e.getMessage());
            return 2;
        }
        // A daemon logs its start, configuration and shutdown even where the launcher's
        // logging defaults to warnings only.
        if (LoggerFactory.getLogger("dev.pfs.chunkserver") instanceof ch.qos.logback.classic.Logger daemonLog
                && !daemonLog.isInfoEnabled()) {
            daemonLog.setLevel(ch.qos.logback.classic.Level.INFO);
        }
        Logger log = LoggerFactory.getLogger(ChunkServerCommand.class);
        ChunkServerDaemon daemon;
        try {
            daemon = ChunkServerDaemon.start(config);
        } catch (DataDirException e) {
            log.error("refusing to start: {}", e.getMessage());
            spec.commandLine().getErr().println("pfs chunkserver: " + e.getMessage());
            return 5;
        } catch (Exception e) {
            log.error("cannot start", e);
            spec.commandLine().getErr().println("pfs chunkserver: cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            daemon.close();
            stopped.countDown();
        }, "pfs-chunkserver-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        // One line on stdout that scripts and tests wait for.
        System.out.println("chunkserver ready listen=" + hostPort(daemon.address())
                + (daemon.metricsAddress() == null ? "" : " metrics=" + hostPort(daemon.metricsAddress())));
        System.out.flush();
        stopped.await();
        return 0;
    }

    private static String hostPort(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /** Runs the chunkserver standalone (without the {@code pfs} launcher). */
    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "dev/pfs/chunkserver/logback-chunkserver.xml");
        }
        System.exit(new CommandLine(new ChunkServerCommand()).execute(args));
    }
}
