package dev.pfs.chunkserver.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.chunkserver.client.ChunkClient;
import dev.pfs.chunkserver.client.RemoteChunkVolume;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.store.ChunkStore;
import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Client and server over real sockets on loopback, with a real store on files. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChunkServerLoopbackTest {
    private static final long CHUNK = 1 << 20;

    @TempDir
    Path dir;
    private LoopbackChunkServer cs;
    private ChunkStore store;
    private ChunkServer server;
    private ChunkClient client;

    @BeforeEach
    void start() throws Exception {
        cs = LoopbackChunkServer.start(dir, 64, 64, CHUNK, 2);
        store = cs.store;
        server = cs.server;
        client = cs.client;
    }

    @AfterEach
    void stop() {
        cs.close();
    }

    private static ChunkStatus statusOf(CompletableFuture<?> f) throws InterruptedException {
        try {
            f.get();
            return ChunkStatus.OK;
        } catch (ExecutionException e) {
            return ((ChunkException) e.getCause()).status();
        }
    }

    @Test
    void manyRequestsInFlightOnOneConnectionAllComplete() throws Exception {
        client.create(1, 0).get();
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(4096);
            for (int j = 0; j < 4096; j++) {
                b.put(j, (byte) i);
            }
            writes.add(client.write(1, 0, i * 4096L, b, true));
        }
        CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).get();
        List<CompletableFuture<Void>> reads = new ArrayList<>();
        List<ByteBuffer> bufs = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            ByteBuffer b = ByteBuffer.allocate(4096);
            bufs.add(b);
            reads.add(client.read(1, i * 4096L, b));
        }
        CompletableFuture.allOf(reads.toArray(new CompletableFuture<?>[0])).get();
        for (int i = 0; i < 256; i++) {
            assertThat(bufs.get(i).array()).containsOnly((byte) i);
        }
        assertThat(client.stat(1).get().size()).isEqualTo(CHUNK);
        assertThat(client.stat(1).get().allocatedBytes()).isEqualTo(CHUNK);
    }

    @Test
    void errorsComeBackAsStatusesWithReasons() throws Exception {
        client.create(1, 0).get();
        assertThat(statusOf(client.write(1, 0, 100, ByteBuffer.allocate(512), false))).isEqualTo(ChunkStatus.MISALIGNED);
        assertThat(statusOf(client.write(1, 0, CHUNK, ByteBuffer.allocate(512), false))).isEqualTo(ChunkStatus.OUT_OF_RANGE);
        assertThat(statusOf(client.read(77, 0, ByteBuffer.allocate(512)))).isEqualTo(ChunkStatus.UNKNOWN_CHUNK);
        assertThat(statusOf(client.create(1, 0))).isEqualTo(ChunkStatus.EXISTS);
        client.write(1, 5, 0, ByteBuffer.allocate(512), true).get();
        assertThatThrownBy(() -> client.write(1, 4, 0, ByteBuffer.allocate(512), true).get())
                .hasCauseInstanceOf(ChunkException.class).hasMessageContaining("stale epoch 4 < 5");
        assertThat(statusOf(client.discard(1, 4, 0, 512))).isEqualTo(ChunkStatus.STALE_EPOCH);
        client.flush().get();
    }

    @Test
    void remoteVolumeSpansChunksAndFencesOlderWriters() throws Exception {
        RemoteChunkVolume v = RemoteChunkVolume.open(client, CHUNK, 3, 100, 7);
        assertThat(v.size()).isEqualTo(3 * CHUNK);
        ByteBuffer src = ByteBuffer.allocateDirect((int) CHUNK + 8192);
        for (int i = 0; i < src.capacity(); i++) {
            src.put(i, (byte) (i / 512));
        }
        v.write(CHUNK / 2, src, 0, true).get();
        ByteBuffer back = ByteBuffer.allocate(src.capacity());
        v.read(CHUNK / 2, back).get();
        assertThat(back.flip()).isEqualTo(src.clear());
        VolumeException e = VolumeException.unwrap(catchFailure(v.write(0, ByteBuffer.allocate(512), 6, true)));
        assertThat(e.kind()).isEqualTo(VolumeException.Kind.STALE_EPOCH);
        v.writeZeroes(CHUNK / 2, CHUNK, 0).get();
        ByteBuffer z = ByteBuffer.allocate(512);
        v.read(CHUNK, z).get();
        assertThat(z.array()).containsOnly(0);
        assertThat(VolumeException.unwrap(catchFailure(v.read(3 * CHUNK, ByteBuffer.allocate(512)))).kind())
                .isEqualTo(VolumeException.Kind.OUT_OF_RANGE);
        v.resize(4 * CHUNK).get();
        assertThat(v.size()).isEqualTo(4 * CHUNK);
        v.close();
    }

    private static Throwable catchFailure(CompletableFuture<?> f) throws InterruptedException {
        try {
            f.get();
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    @Test
    void clientThatDisconnectsMidRequestDoesNotDisturbOthers() throws Exception {
        client.create(1, 0).get();
        ChunkClient other = ChunkClient.connect(server.address());
        List<CompletableFuture<Void>> abandoned = new ArrayList<>();
        // 32 writes that together fill the chunk: each is answered OK, or fails as the connection closes.
        int size = (int) (CHUNK / 32);
        for (int i = 0; i < 32; i++) {
            abandoned.add(other.write(1, 0, (long) i * size, ByteBuffer.allocateDirect(size), true));
        }
        other.close();
        for (CompletableFuture<Void> f : abandoned) {
            assertThat(statusOf(f)).isIn(ChunkStatus.OK, ChunkStatus.IO_ERROR);
        }
        client.write(1, 0, 0, ByteBuffer.allocateDirect(512), true).get();
        assertThat(store.failure()).isNull();
    }
}
