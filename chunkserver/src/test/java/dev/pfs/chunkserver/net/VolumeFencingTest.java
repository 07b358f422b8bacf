package dev.pfs.chunkserver.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.client.ChunkClient;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.protocol.Statuses;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fencing as the real server does it, over sockets: the writer's epoch belongs to the volume
 * (chunk ids {@code volume << 32 | index}), not to one chunk.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VolumeFencingTest {
    private static final long CHUNK = 1 << 20;
    private static final long VOLUME = 7L << 32;
    private static final long OTHER_VOLUME = 8L << 32;

    @TempDir
    Path dir;
    private LoopbackChunkServer cs;
    private ChunkClient client;

    @BeforeEach
    void start() throws Exception {
        cs = LoopbackChunkServer.start(dir, 64, 16, CHUNK, 1);
        client = cs.client;
    }

    private void restartServer() throws Exception {
        cs.restart();
        client = cs.client;
    }

    @AfterEach
    void stop() {
        cs.close();
    }

    private static ByteBuffer filled(int value) {
        ByteBuffer b = ByteBuffer.allocateDirect(4096);
        for (int i = 0; i < 4096; i++) {
            b.put(i, (byte) value);
        }
        return b;
    }

    private byte[] read(long chunk) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(4096);
        client.read(chunk, 0, b).get(10, TimeUnit.SECONDS);
        return b.array();
    }

    @Test
    void aDeposedWriterIsRefusedOnEveryChunkOfTheVolumeNotOnlyTheOneTheNewHolderWrote() throws Exception {
        for (long c = VOLUME + 1; c <= VOLUME + 3; c++) {
            client.create(c, 0).get();
        }
        client.create(OTHER_VOLUME + 1, 0).get();
        for (long c = VOLUME + 1; c <= VOLUME + 3; c++) {
            client.write(c, 3, 0, filled(3), true).get();
        }
        client.write(VOLUME + 1, 4, 0, filled(4), true).get();
        assertThat(Statuses.of(client.write(VOLUME + 2, 3, 0, filled(33), true))).isEqualTo(ChunkStatus.STALE_EPOCH);
        assertThat(Statuses.of(client.writeZeroes(VOLUME + 3, 3, 0, 4096))).isEqualTo(ChunkStatus.STALE_EPOCH);
        assertThat(Statuses.of(client.delete(VOLUME + 3, 3))).isEqualTo(ChunkStatus.STALE_EPOCH);
        assertThat(read(VOLUME + 2)).containsOnly(3);
        assertThat(Statuses.of(client.write(OTHER_VOLUME + 1, 3, 0, filled(5), true)))
                .as("another volume has its own writer").isEqualTo(ChunkStatus.OK);
        restartServer();
        assertThat(Statuses.of(client.write(VOLUME + 3, 3, 0, filled(33), true))).isEqualTo(ChunkStatus.STALE_EPOCH);
        assertThat(read(VOLUME + 3)).containsOnly(3);
    }

    @Test
    void onceAnEpochWasSeenEpochZeroIsRefusedForEveryChange() throws Exception {
        client.create(VOLUME + 1, 0).get();
        client.create(VOLUME + 2, 0).get();
        client.write(VOLUME + 1, 0, 0, filled(1), true).get();
        client.write(VOLUME + 1, 2, 0, filled(2), true).get();
        assertThat(Statuses.of(client.write(VOLUME + 2, 0, 0, filled(9), true))).isEqualTo(ChunkStatus.STALE_EPOCH);
        assertThat(Statuses.of(client.writeZeroes(VOLUME + 1, 0, 0, 4096))).isEqualTo(ChunkStatus.STALE_EPOCH);
        assertThat(Statuses.of(client.discard(VOLUME + 1, 0, 0, 4096))).isEqualTo(ChunkStatus.STALE_EPOCH);
        assertThat(Statuses.of(client.delete(VOLUME + 2, 0))).isEqualTo(ChunkStatus.STALE_EPOCH);
        assertThat(Statuses.of(client.create(VOLUME + 3, 0))).isEqualTo(ChunkStatus.STALE_EPOCH);
        restartServer();
        assertThat(Statuses.of(client.delete(VOLUME + 1, 0))).isEqualTo(ChunkStatus.STALE_EPOCH);
        assertThat(read(VOLUME + 1)).containsOnly(2);
        assertThat(client.stat(VOLUME + 2).get().epoch()).isEqualTo(2);
    }

    @Test
    void recreatingADeletedChunkDoesNotResetTheVolumesEpoch() throws Exception {
        client.create(VOLUME + 1, 0).get();
        client.write(VOLUME + 1, 5, 0, filled(5), true).get();
        client.delete(VOLUME + 1, 5).get();
        // The deposed writer at epoch 3 recreates the chunk and writes into it.
        client.create(VOLUME + 1, 0).handle((v, t) -> null).get();
        assertThat(Statuses.of(client.write(VOLUME + 1, 3, 0, filled(3), true))).isEqualTo(ChunkStatus.STALE_EPOCH);
        restartServer();
        assertThat(Statuses.of(client.write(VOLUME + 1, 3, 0, filled(3), true))).isEqualTo(ChunkStatus.STALE_EPOCH);
    }
}
