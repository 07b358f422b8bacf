package dev.pfs.chunkserver.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.client.ChunkClient;
import dev.pfs.chunkserver.client.RemoteChunkVolume;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.protocol.Statuses;
import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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

    /** @return how a volume call ended: null for success, else the {@link VolumeException}'s kind */
    private static VolumeException.Kind kindOf(CompletableFuture<?> f) throws Exception {
        try {
            f.get(10, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return ((VolumeException) e.getCause()).kind();
        }
    }

    /** Every changing op a writer at {@code epoch}, or at epoch 0, can send to a chunk of the volume. */
    private static void assertRefusedEverywhere(ChunkClient c, RemoteChunkVolume deposed, int chunks, long epoch)
            throws Exception {
        for (int i = 0; i < chunks; i++) {
            long at = (long) i * CHUNK;
            long chunk = VOLUME + i;
            String on = "chunk " + i + " at epoch ";
            assertThat(kindOf(deposed.write(at, filled(33), epoch, true))).as(on + epoch)
                    .isEqualTo(VolumeException.Kind.STALE_EPOCH);
            assertThat(kindOf(deposed.write(at, filled(34), BlockVolume.NO_EPOCH, true))).as(on + "NO_EPOCH")
                    .isEqualTo(VolumeException.Kind.STALE_EPOCH);
            assertThat(kindOf(deposed.writeZeroes(at, 4096, epoch))).as(on + epoch)
                    .isEqualTo(VolumeException.Kind.STALE_EPOCH);
            assertThat(kindOf(deposed.discard(at, 4096))).as(on + epoch).isEqualTo(VolumeException.Kind.STALE_EPOCH);
            for (long e : new long[] {epoch, 0}) {
                assertThat(Statuses.of(c.write(chunk, e, 0, filled(35), true))).as(on + e)
                        .isEqualTo(ChunkStatus.STALE_EPOCH);
                assertThat(Statuses.of(c.writeZeroes(chunk, e, 0, 4096))).as(on + e).isEqualTo(ChunkStatus.STALE_EPOCH);
                assertThat(Statuses.of(c.discard(chunk, e, 0, 4096))).as(on + e).isEqualTo(ChunkStatus.STALE_EPOCH);
                assertThat(Statuses.of(c.delete(chunk, e))).as(on + e).isEqualTo(ChunkStatus.STALE_EPOCH);
                assertThat(Statuses.of(c.fence(chunk, e))).as(on + e).isEqualTo(ChunkStatus.STALE_EPOCH);
            }
        }
        for (long e : new long[] {epoch, 0}) {
            assertThat(Statuses.of(c.create(VOLUME + chunks, e, 0))).as("a new chunk at epoch " + e)
                    .isEqualTo(ChunkStatus.STALE_EPOCH);
        }
        assertThat(kindOf(deposed.resize((chunks + 1) * CHUNK))).isEqualTo(VolumeException.Kind.STALE_EPOCH);
        for (int i = 0; i < chunks; i++) {
            ByteBuffer b = ByteBuffer.allocate(4096);
            deposed.read((long) i * CHUNK, b).get(10, TimeUnit.SECONDS);
            assertThat(b.array()).as("chunk %d", i).containsOnly(3);
        }
    }

    @Test
    void aNewHoldersFenceRefusesTheDeposedWriterOnChunksItNeverWroteAlsoAfterACrash(@TempDir Path copy)
            throws Exception {
        int chunks = 4;
        try (ChunkClient oldHost = ChunkClient.connect(cs.server.address());
             ChunkClient newHost = ChunkClient.connect(cs.server.address())) {
            RemoteChunkVolume deposed = RemoteChunkVolume.open(oldHost, CHUNK, chunks, VOLUME, 3);
            for (int i = 0; i < chunks; i++) {
                deposed.write((long) i * CHUNK, filled(3), 3, true).get();
            }
            RemoteChunkVolume holder = RemoteChunkVolume.open(newHost, CHUNK, chunks, VOLUME, 4);
            // The new holder's fence before its first write: it writes nothing at all here.
            holder.fence(4).get();
            assertRefusedEverywhere(oldHost, deposed, chunks, 3);
            // The fence is in the WAL: a server that died right after it still refuses.
            try (LoopbackChunkServer crashed = cs.crashCopy(copy);
                 ChunkClient again = ChunkClient.connect(crashed.server.address())) {
                assertRefusedEverywhere(again, RemoteChunkVolume.open(again, CHUNK, chunks, VOLUME, 3), chunks, 3);
                assertThat(Statuses.of(crashed.client.write(VOLUME + 2, 4, 0, filled(4), true)))
                        .as("the new holder writes").isEqualTo(ChunkStatus.OK);
            }
        }
    }
}
