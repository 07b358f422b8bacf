package dev.pfs.chunkserver.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.chunkserver.client.ChunkClient;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.protocol.ChunkException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A deposed writer stays fenced when the chunkserver is killed and restarted. */
@Tag("system")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FencingAcrossRestartTest {
    @TempDir
    Path dir;

    private static ByteBuffer filled(int value) {
        ByteBuffer b = ByteBuffer.allocate(4096);
        for (int i = 0; i < 4096; i++) {
            b.put(i, (byte) value);
        }
        return b;
    }

    @Test
    void olderEpochIsRefusedAfterKillNineAndRestart() throws Exception {
        Path data = dir.resolve("cs");
        String[] options = {"--capacity", "16M", "--wal-size", "8M", "--chunk-size", "1M"};
        try (ChunkServerProcess cs = ChunkServerProcess.start(data, options);
             ChunkClient client = ChunkClient.connect(cs.address())) {
            client.create(1, 0).get();
            client.write(1, 4, 0, filled(4), true).get();
            client.write(1, 5, 0, filled(5), true).get();
            assertThatThrownBy(() -> client.write(1, 4, 0, filled(44), true).get())
                    .hasCauseInstanceOf(ChunkException.class);
            cs.kill();
        }
        try (ChunkServerProcess cs = ChunkServerProcess.start(data, options);
             ChunkClient client = ChunkClient.connect(cs.address())) {
            try {
                client.write(1, 4, 0, filled(44), true).get();
                throw new AssertionError("a write from epoch 4 was accepted after restart");
            } catch (ExecutionException e) {
                assertThat(((ChunkException) e.getCause()).status()).isEqualTo(ChunkStatus.STALE_EPOCH);
            }
            ByteBuffer back = ByteBuffer.allocate(4096);
            client.read(1, 0, back).get();
            assertThat(back.array()).containsOnly(5);
            assertThat(client.stat(1).get().epoch()).isEqualTo(5);
            client.write(1, 6, 0, filled(6), true).get();
        }
    }
}
