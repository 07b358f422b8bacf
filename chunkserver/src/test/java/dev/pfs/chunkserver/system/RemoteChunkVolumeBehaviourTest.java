package dev.pfs.chunkserver.system;

import dev.pfs.chunkserver.client.ChunkClient;
import dev.pfs.chunkserver.client.RemoteChunkVolume;
import dev.pfs.chunkserver.protocol.ChunkId;
import dev.pfs.common.volume.BlockVolume;
import dev.pfs.core.suite.PfsBehaviourSuite;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * core-pfs's file-system behaviour suite over a {@link RemoteChunkVolume}: every volume is a
 * fresh set of chunks on one real chunkserver process on loopback.
 */
@Tag("system")
class RemoteChunkVolumeBehaviourTest extends PfsBehaviourSuite {
    private static final long REMOTE_CHUNK = 16L << 20;
    private static Path dir;
    private static ChunkServerProcess server;
    private static ChunkClient client;
    private static long nextVolume = 1;

    @BeforeAll
    static void startChunkserver() throws Exception {
        dir = Files.createTempDirectory("pfs-cs-suite");
        server = ChunkServerProcess.start(dir.resolve("cs"), "--capacity", "4G", "--wal-size", "64M",
                "--chunk-size", String.valueOf(REMOTE_CHUNK));
        client = ChunkClient.connect(server.address());
    }

    @AfterAll
    static void stopChunkserver() throws Exception {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.terminate();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Override
    protected BlockVolume newVolume(long size) throws Exception {
        int chunks = (int) ((size + REMOTE_CHUNK - 1) / REMOTE_CHUNK);
        // Each volume its own id: the server fences writers per volume, and each suite test mounts anew.
        return RemoteChunkVolume.open(client, REMOTE_CHUNK, chunks, ChunkId.of(nextVolume++, 0), BlockVolume.NO_EPOCH);
    }
}
