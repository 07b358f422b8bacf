package dev.pfs.chunkserver.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.protocol.ChunkOp;
import dev.pfs.chunkserver.protocol.Frames;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that pipelines 10,000 READs and never reads a reply, on the real server over a
 * socket, sharing its one event loop and its store with a well-behaved client: the server
 * holds at most one connection's reply budget of read replies for it (the server's own count
 * of reply bytes allocated and not yet written to a socket), the other client keeps being
 * served, and once the slow client vanishes everything it held is freed.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SlowClientTest {
    private static final long CHUNK = 4L << 20;
    private static final int READ = 128 * 1024;
    private static final int FRAMES = 10_000;

    @TempDir
    Path dir;
    private LoopbackChunkServer cs;

    @BeforeEach
    void start() throws Exception {
        cs = LoopbackChunkServer.start(dir, 128, 8, CHUNK, 1);
    }

    @AfterEach
    void stop() {
        cs.close();
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 30 s: " + what);
            }
            Thread.onSpinWait();
        }
    }

    /** Writes then reads back a block on its own chunk; fails if the server does not answer within 10 s. */
    private void roundTrip(long chunk, int value) throws Exception {
        ByteBuffer src = ByteBuffer.allocateDirect(4096);
        for (int i = 0; i < 4096; i++) {
            src.put(i, (byte) value);
        }
        cs.client.write(chunk, 0, 0, src, true).get(10, TimeUnit.SECONDS);
        ByteBuffer back = ByteBuffer.allocate(4096);
        cs.client.read(chunk, 0, back).get(10, TimeUnit.SECONDS);
        assertThat(back.array()).containsOnly(value);
    }

    @Test
    void aClientThatNeverReadsItsRepliesHoldsOneReplyBudgetAndNobodyElseNotices() throws Exception {
        cs.client.create(1, 0).get();
        cs.client.create(2, 0).get();
        ByteBuffer all = ByteBuffer.allocate(Frames.request(ChunkOp.READ, 0, 1, 0, 0, READ, new byte[0]).length * FRAMES);
        for (int i = 0; i < FRAMES; i++) {
            all.put(Frames.request(ChunkOp.READ, 1 + i, 1, 0, (long) (i % (CHUNK / READ)) * READ, READ, new byte[0]));
        }
        InetSocketAddress at = cs.server.address();
        Socket slow = new Socket(at.getAddress(), at.getPort());
        slow.setReceiveBufferSize(64 * 1024);
        Thread sender = Thread.ofPlatform().daemon().name("slow-client").start(() -> {
            try {
                OutputStream out = slow.getOutputStream();
                out.write(all.array());
                out.flush();
            } catch (IOException e) {
                // The socket was closed under a blocked write: the client vanished.
            }
        });
        long budget = ChunkServerHandler.MAX_IN_FLIGHT_BYTES;
        await("the slow client's reply budget fills", () -> cs.metrics.replyBytesOutstanding() >= budget - READ);
        for (int i = 0; i < 50; i++) {
            roundTrip(2, i);
        }
        // One connection's budget, and the other client's one 4 KB read.
        assertThat(cs.metrics.replyBytesPeak()).as("read-reply bytes the server held at once")
                .isLessThanOrEqualTo(budget + 4096);
        slow.close();
        sender.join(TimeUnit.SECONDS.toMillis(30));
        await("a vanished client's replies are freed", () -> cs.metrics.replyBytesOutstanding() == 0);
        roundTrip(2, 99);
    }
}
