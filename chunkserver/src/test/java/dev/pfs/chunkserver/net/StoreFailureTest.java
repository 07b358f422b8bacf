package dev.pfs.chunkserver.net;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pfs.chunkserver.client.ChunkClient;
import dev.pfs.chunkserver.metrics.ChunkServerMetrics;
import dev.pfs.chunkserver.metrics.HealthHandler;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.protocol.Statuses;
import dev.pfs.chunkserver.store.ChunkStore;
import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.common.volume.ForwardingVolume;
import dev.pfs.common.volume.VolumeException;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/**
 * Anything thrown on the store's thread, on the real server over a socket: the store fails
 * cleanly, every request in flight and every later one is answered IO_ERROR (none hangs),
 * {@code /health} answers 503 naming the cause, and the log has one line for it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StoreFailureTest {
    private static final long CHUNK = 1 << 20;

    /** Where the injected throwable comes from. */
    enum Fault {
        /** the WAL volume's write throws an unchecked exception (a bug under the store) */
        WAL_THROWS(() -> new IllegalStateException("injected bug in the log volume")),
        /** the data volume's write throws an Error (the store thread starts the data writes) */
        DATA_THROWS_ERROR(() -> new AssertionError("injected error in the data volume"));

        final Supplier<Throwable> what;

        Fault(Supplier<Throwable> what) {
            this.what = what;
        }
    }

    /** A volume whose writes throw, once armed, instead of failing their future. */
    private static final class ThrowingVolume extends ForwardingVolume {
        private final Supplier<Throwable> what;
        private volatile boolean armed;

        ThrowingVolume(BlockVolume inner, Supplier<Throwable> what) {
            super(inner);
            this.what = what;
        }

        private void maybeThrow() {
            if (armed) {
                Throwable t = what.get();
                if (t instanceof Error e) {
                    throw e;
                }
                throw (RuntimeException) t;
            }
        }

        @Override
        public CompletableFuture<Void> write(long offset, ByteBuffer src, long epoch, boolean fua) {
            maybeThrow();
            return inner.write(offset, src, epoch, fua);
        }

        @Override
        public void writeAndWait(long offset, ByteBuffer src, long epoch, boolean fua) throws VolumeException {
            maybeThrow();
            inner.writeAndWait(offset, src, epoch, fua);
        }
    }

    @TempDir
    Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger storeLog = (Logger) LoggerFactory.getLogger("dev.pfs.chunkserver.store");

    @AfterEach
    void close() throws Exception {
        storeLog.detachAppender(log);
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T opened(T c) {
        open.add(c);
        return c;
    }

    private static ByteBuffer filled(int value) {
        ByteBuffer b = ByteBuffer.allocateDirect(4096);
        for (int i = 0; i < 4096; i++) {
            b.put(i, (byte) value);
        }
        return b;
    }

    private static HttpResponse<String> health(HTTPServer http) throws Exception {
        try (HttpClient c = HttpClient.newHttpClient()) {
            return c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.getPort() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void aThrowableOnTheStoreThreadFailsTheStoreAndEveryRequestIsAnswered(Fault fault) throws Exception {
        FileVolume dataFile = opened(FileVolume.create(dir.resolve("data"), 64L * ChunkStore.BLOCK_SIZE));
        FileVolume walFile = opened(FileVolume.create(dir.resolve("wal"), 8 << 20));
        FileVolume meta = opened(FileVolume.create(dir.resolve("meta"), ChunkStore.metaVolumeSize(dataFile.size(), 8)));
        ThrowingVolume data = new ThrowingVolume(dataFile, fault.what);
        ThrowingVolume wal = new ThrowingVolume(walFile, fault.what);
        ChunkStore.format(data, meta, 8);
        ChunkServerMetrics metrics = new ChunkServerMetrics(new PrometheusRegistry());
        ChunkStore store = opened(ChunkStore.open(data, wal, meta,
                ChunkStore.Options.defaults().withObserver(metrics).withMaxChunkSize(CHUNK)));
        ChunkServer server = opened(ChunkServer.start(new InetSocketAddress("127.0.0.1", 0), store, CHUNK, metrics, 1));
        HTTPServer http = opened(HTTPServer.builder().inetAddress(InetAddress.getLoopbackAddress()).port(0)
                .registry(new PrometheusRegistry()).registerHealthHandler(false)
                .defaultHandler(new HealthHandler(List.of(store::failure))).buildAndStart());
        ChunkClient client = opened(ChunkClient.connect(server.address()));
        client.create(1, 0).get();
        client.create(2, 0).get();
        client.write(1, 0, 0, filled(1), true).get();
        assertThat(health(http).statusCode()).isEqualTo(200);

        log.start();
        storeLog.addAppender(log);
        (fault == Fault.WAL_THROWS ? wal : data).armed = true;
        List<CompletableFuture<Void>> inFlight = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            inFlight.add(client.write(1 + i % 2, 0, (long) (i / 2) * 4096, filled(i), true));
        }
        List<ChunkStatus> answered = new ArrayList<>();
        for (CompletableFuture<Void> f : inFlight) {
            answered.add(Statuses.of(f));
        }
        // A write whose WAL frame was synced before the throw is acknowledged; nothing hangs.
        // The WAL throws from its first frame on, so none of these can be; the data writes start
        // after a frame's commit, so when all 32 made one frame (a loaded machine delivers them
        // at once) every one is rightly acknowledged before the data write throws.
        assertThat(answered).as("writes in flight when it threw")
                .allMatch(s -> s == ChunkStatus.IO_ERROR || s == ChunkStatus.OK);
        if (fault == Fault.WAL_THROWS) {
            assertThat(answered).as("writes in flight when the WAL threw").containsOnly(ChunkStatus.IO_ERROR);
        }
        assertThat(Statuses.of(client.write(2, 0, 0, filled(9), true))).isEqualTo(ChunkStatus.IO_ERROR);
        assertThat(Statuses.of(client.read(1, 0, ByteBuffer.allocate(4096)))).isEqualTo(ChunkStatus.IO_ERROR);
        assertThat(Statuses.of(client.create(3, 0))).isEqualTo(ChunkStatus.IO_ERROR);
        assertThat(Statuses.of(client.stat(1))).isEqualTo(ChunkStatus.IO_ERROR);
        assertThat(Statuses.of(client.flush())).isEqualTo(ChunkStatus.IO_ERROR);

        String cause = fault.what.get().getMessage();
        HttpResponse<String> h = health(http);
        assertThat(h.statusCode()).isEqualTo(503);
        assertThat(h.body()).contains(cause);
        List<ILoggingEvent> errors = log.list.stream().filter(e -> e.getLevel() == Level.ERROR).toList();
        assertThat(errors).as("error log lines").hasSize(1);
        assertThat(errors.getFirst().getFormattedMessage()).contains(cause);
    }
}
