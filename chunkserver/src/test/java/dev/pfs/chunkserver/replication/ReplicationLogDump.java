package dev.pfs.chunkserver.replication;

import dev.pfs.chunkserver.cli.ChunkServerDaemon;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.parallelraft.Entry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * For a failed fault test: what a server's replication log holds for one byte of a chunk, read
 * from a copy of the log (recovery rewrites the log it reads, and the server may still run).
 * Every WRITE entry covering the byte is listed with its index, stamp, origin term and the first
 * eight bytes it writes there (the test writers put their write id in them).
 */
public final class ReplicationLogDump {
    private ReplicationLogDump() {
    }

    /**
     * @return "hard state ...; index/stamp/origin=value ..." for group {@code chunkId} in the log of
     *         the server whose data directory is {@code dataDir}, or why it could not be read
     */
    public static String writesCovering(Path dataDir, long chunkId, long offsetInChunk) {
        Path copy = null;
        try {
            copy = Files.createTempFile("pfs-replication-log-dump", ".log");
            Files.copy(dataDir.resolve(ChunkServerDaemon.REPLICATION_LOG), copy, StandardCopyOption.REPLACE_EXISTING);
            Map<Long, ReplicationLog.Recovered> groups = new HashMap<>();
            try (FileVolume volume = FileVolume.open(copy, false, FileVolume.CALLER_THREAD)) {
                ReplicationLog.recover(volume, groups);
            }
            ReplicationLog.Recovered g = groups.get(chunkId);
            if (g == null) {
                return "no group " + chunkId;
            }
            StringBuilder out = new StringBuilder("hard state ").append(g.hard()).append(';');
            for (Entry e : g.entries()) {
                Command c = Command.decode(e.data());
                if (c == null || c.kind() != Command.Kind.WRITE || offsetInChunk < c.offset()
                        || offsetInChunk + 8 > c.offset() + c.length()) {
                    continue;
                }
                long value = ByteBuffer.wrap(e.data(), Command.HEADER + (int) (offsetInChunk - c.offset()), 8)
                        .order(ByteOrder.LITTLE_ENDIAN).getLong();
                out.append(' ').append(e.index()).append('/').append(e.term()).append('/').append(e.originTerm())
                        .append('=').append(value);
            }
            return out.toString();
        } catch (IOException | RuntimeException e) {
            return "unreadable (" + e + ")";
        } finally {
            if (copy != null) {
                try {
                    Files.deleteIfExists(copy);
                } catch (IOException ignored) {
                    // A temporary file left behind.
                }
            }
        }
    }
}
