package dev.pfs.chunkserver.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A server that accepts and never answers: every request ends with a clear error at its deadline. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ChunkClientDeadlineTest {
    @Test
    void aRequestTheServerNeverAnswersFailsAtItsDeadlineWithAClearError() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = Thread.ofPlatform().daemon().start(() -> {
                try (Socket s = silent.accept()) {
                    s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                } catch (java.io.IOException e) {
                    // the test is over
                }
            });
            InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort());
            try (ChunkClient client = ChunkClient.connect(at, Duration.ofMillis(300))) {
                assertThatThrownBy(() -> client.stat(1).get(20, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(ChunkException.class)
                        .hasMessageContaining("no reply")
                        .hasMessageContaining(at.toString())
                        .satisfies(e -> assertThat(((ChunkException) e).status()).isEqualTo(ChunkStatus.TIMED_OUT));
            }
            acceptor.interrupt();
        }
    }
}
