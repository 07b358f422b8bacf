package dev.pfs.chunkserver.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.protocol.Frames;
import dev.pfs.chunkserver.protocol.ChunkFrameDescriptor;
import dev.pfs.chunkserver.protocol.ChunkOp;
import dev.pfs.chunkserver.protocol.ChunkMessage;
import dev.pfs.chunkserver.protocol.ChunkMessageDecoder;
import dev.pfs.chunkserver.protocol.ChunkFrameDecoder;
import dev.pfs.chunkserver.metrics.ChunkServerMetrics;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.store.ChunkStore;
import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.common.volume.ForwardingVolume;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The server pipeline without sockets: bad frames get MALFORMED and the connection keeps serving. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ChunkServerHandlerTest {
    private ChunkStore store;
    private EmbeddedChannel ch;

    @BeforeEach
    void open() throws Exception {
        FaultyVolume data = FaultyVolume.create(16L * ChunkStore.BLOCK_SIZE, 1);
        FaultyVolume meta = FaultyVolume.create(ChunkStore.metaVolumeSize(data.size(), 4), 2);
        ChunkStore.format(data, meta, 4);
        store = ChunkStore.open(data, FaultyVolume.create(1 << 20, 3), meta, ChunkStore.Options.defaults());
        store.create(1, ChunkStore.BLOCK_SIZE).get();
        ch = new EmbeddedChannel(new ChunkFrameDecoder(), new ChunkMessageDecoder(),
                new ChunkServerHandler(store, ChunkStore.BLOCK_SIZE, new ChunkServerMetrics(new PrometheusRegistry())));
    }

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
        store.close();
    }

    /** Waits for the next reply; replies are written from the store's threads. */
    private ChunkMessage reply() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            ch.runPendingTasks();
            ByteBuf out = ch.readOutbound();
            if (out != null) {
                ChunkMessage m = ChunkMessageDecoder.decode(out);
                out.release();
                return m;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("no reply within 10 s");
    }

    @Test
    void malformedFrameGetsMalformedWithItsIdAndTheNextRequestIsServed() {
        byte[] bad = Frames.write(21, 1, 0, 512, 1);
        bad[ChunkFrameDescriptor.MAGIC_OFFSET] = 0;
        ch.writeInbound(Frames.buf(bad, Frames.write(22, 1, 0, 512, 1)));
        ChunkMessage first = reply();
        ChunkMessage second = reply();
        ChunkMessage malformed = first.requestId() == 21 ? first : second;
        ChunkMessage ok = first.requestId() == 21 ? second : first;
        assertThat(malformed.status()).isEqualTo(ChunkStatus.MALFORMED);
        assertThat(malformed.payload().toString(StandardCharsets.UTF_8)).contains("bad magic");
        assertThat(ok.requestId()).isEqualTo(22);
        assertThat(ok.status()).isEqualTo(ChunkStatus.OK);
        first.release();
        second.release();
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void writeWhoseLengthDisagreesWithItsPayloadIsMalformed() {
        ch.writeInbound(Frames.buf(Frames.request(ChunkOp.WRITE, 5, 1, 0, 0, 1024, new byte[512])));
        ChunkMessage m = reply();
        assertThat(m.status()).isEqualTo(ChunkStatus.MALFORMED);
        m.release();
    }

    @Test
    void oversizedReadIsRefused() {
        ch.writeInbound(Frames.buf(Frames.request(ChunkOp.READ, 6, 1, 0, 0, 64L << 20, new byte[0])));
        ChunkMessage m = reply();
        assertThat(m.status()).isEqualTo(ChunkStatus.OUT_OF_RANGE);
        m.release();
    }

    /** Counts the large (reply-data) direct buffers it hands out. */
    private static final class CountingAllocator extends AbstractByteBufAllocator {
        int largeBuffers;

        CountingAllocator() {
            super(true);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            return Unpooled.buffer(initialCapacity, maxCapacity);
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            if (initialCapacity >= 64 * 1024) {
                largeBuffers++;
            }
            return Unpooled.directBuffer(initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }

    /** A data volume whose reads wait until the test opens the gate. */
    private static final class GatedVolume extends ForwardingVolume {
        private final CountDownLatch gate = new CountDownLatch(1);
        private volatile boolean armed;

        GatedVolume(BlockVolume inner) {
            super(inner);
        }

        @Override
        public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
            if (armed) {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return inner.read(offset, dst);
        }
    }

    @Test
    void pipelinedReadsBeyondTheInFlightLimitStopReadingAndAllocateNoReplyBuffersAhead() throws Exception {
        GatedVolume data = new GatedVolume(FaultyVolume.create(16L * ChunkStore.BLOCK_SIZE, 1));
        FaultyVolume meta = FaultyVolume.create(ChunkStore.metaVolumeSize(data.size(), 4), 2);
        ChunkStore.format(data, meta, 4);
        try (ChunkStore gated = ChunkStore.open(data, FaultyVolume.create(1 << 20, 3), meta,
                ChunkStore.Options.defaults())) {
            gated.create(1, ChunkStore.BLOCK_SIZE).get();
            gated.write(1, 0, 0, ByteBuffer.allocateDirect(ChunkStore.BLOCK_SIZE)).get();
            CountingAllocator alloc = new CountingAllocator();
            EmbeddedChannel c = new EmbeddedChannel(new ChunkFrameDecoder(), new ChunkMessageDecoder(),
                    new ChunkServerHandler(gated, ChunkStore.BLOCK_SIZE, new ChunkServerMetrics(new PrometheusRegistry())));
            c.config().setAllocator(alloc);
            ch.finishAndReleaseAll();
            ch = c;
            data.armed = true;
            int frames = 1000;
            byte[][] reads = new byte[frames][];
            for (int i = 0; i < frames; i++) {
                reads[i] = Frames.request(ChunkOp.READ, 1000 + i, 1, 0, 0, ChunkStore.BLOCK_SIZE, new byte[0]);
            }
            int allocated;
            boolean reading;
            try {
                ch.writeInbound(Frames.buf(reads));
                allocated = alloc.largeBuffers;
                reading = ch.config().isAutoRead();
            } finally {
                data.gate.countDown();
            }
            // The in-flight requests' replies, and the frame decoder's one cumulation buffer.
            assertThat(allocated).as("large buffers allocated while the store is stuck")
                    .isLessThanOrEqualTo(ChunkServerHandler.MAX_IN_FLIGHT + 1);
            assertThat(reading).as("reading stops above the in-flight limit").isFalse();
            java.util.Set<Long> answered = new java.util.HashSet<>();
            for (int i = 0; i < frames; i++) {
                ChunkMessage m = reply();
                assertThat(m.status()).isEqualTo(ChunkStatus.OK);
                answered.add(m.requestId());
                m.release();
            }
            assertThat(answered).hasSize(frames);
            ch.runPendingTasks();
            assertThat(ch.config().isAutoRead()).as("reading resumes once replies went out").isTrue();
        }
    }

    @Test
    void unframeableStreamClosesTheConnection() {
        ch.writeInbound(Unpooled.buffer().writeInt(-1).writeZero(60));
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isFalse();
    }
}
