package dev.pfs.chunkserver.cli;

import dev.pfs.chunkserver.disk.DataDir;
import dev.pfs.chunkserver.store.ChunkStore;
import dev.pfs.chunkserver.tls.TlsFiles;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * The chunkserver's settings, validated once at start: every check names the option, the bad
 * value and what is allowed.
 *
 * @param dataDir    the data directory
 * @param walDir     the WAL directory, or null for the data directory
 * @param listen     the data-path address
 * @param metrics    the metrics and health address, or null for none
 * @param chunkSize  the size of chunks created without one
 * @param layout     sizes used when the directory is formatted
 * @param clusterId  the expected cluster, or null
 * @param serverId   the expected server, or null
 * @param ioThreads  data-path event loops
 * @param replicationLogBytes size of the replication log file when it is created
 * @param tls        the cluster TLS identity every connection must present, or null for plain TCP
 */
public record ChunkServerConfig(Path dataDir, Path walDir, InetSocketAddress listen, InetSocketAddress metrics,
                                long chunkSize, DataDir.Layout layout, String clusterId, Long serverId,
                                int ioThreads, long replicationLogBytes, TlsFiles tls) {
    /** Smallest replication log: each of its two halves holds two full 4 MB frames (ReplicationLog). */
    public static final long MIN_REPLICATION_LOG = 16L << 20;

    /** Smallest WAL: several full 1 MB frames must fit in half of it. */
    public static final long MIN_WAL = 8L << 20;

    /** @throws IllegalArgumentException with a message naming the option */
    public ChunkServerConfig {
        if (chunkSize % ChunkStore.BLOCK_SIZE != 0) {
            throw new IllegalArgumentException("--chunk-size: " + chunkSize + " must be a multiple of 64K");
        }
        if (layout.capacityBytes() < ChunkStore.BLOCK_SIZE || layout.capacityBytes() / ChunkStore.BLOCK_SIZE > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("--capacity: " + layout.capacityBytes() + " must be between 64K and 64T");
        }
        if (layout.walBytes() < MIN_WAL) {
            throw new IllegalArgumentException("--wal-size: " + layout.walBytes() + " must be at least 8M");
        }
        if (layout.maxChunks() < 1 || layout.maxChunks() > 1 << 20) {
            throw new IllegalArgumentException("--max-chunks: " + layout.maxChunks() + " must be 1.." + (1 << 20));
        }
        if (ioThreads < 1 || ioThreads > 256) {
            throw new IllegalArgumentException("--io-threads: " + ioThreads + " must be 1..256");
        }
        if (replicationLogBytes < MIN_REPLICATION_LOG || replicationLogBytes % 4096 != 0) {
            throw new IllegalArgumentException("--replication-log-size: " + replicationLogBytes
                    + " must be a multiple of 4K and at least 16M");
        }
        if (serverId != null && serverId < 0) {
            throw new IllegalArgumentException("--server-id: " + serverId + " must not be negative");
        }
    }

    /** Settings without TLS. */
    public ChunkServerConfig(Path dataDir, Path walDir, InetSocketAddress listen, InetSocketAddress metrics,
                             long chunkSize, DataDir.Layout layout, String clusterId, Long serverId, int ioThreads,
                             long replicationLogBytes) {
        this(dataDir, walDir, listen, metrics, chunkSize, layout, clusterId, serverId, ioThreads,
                replicationLogBytes, null);
    }

    /** @return {@code host:port} as an address */
    static InetSocketAddress address(String option, String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(option + ": '" + text + "' is not host:port");
        }
        try {
            int port = Integer.parseInt(text.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(text.substring(0, colon), port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + text + "' has no valid port (0..65535)");
        }
    }
}
