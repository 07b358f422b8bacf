package dev.pfs.chunkserver.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.chunkserver.cli.ChunkServerConfig;
import dev.pfs.chunkserver.cli.ChunkServerDaemon;
import dev.pfs.chunkserver.client.ChunkClient;
import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicaCompare;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.chunkserver.disk.DataDir;
import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.common.volume.VolumeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS on the real chunkserver: certificates from {@code scripts/make-cluster-certs}, a
 * cluster CA and a foreign one. Clients and peers (which dial the same listener and say HELLO)
 * without a certificate of the cluster CA are refused in the handshake; those with one are served
 * and replicate.
 */
@Timeout(120)
class ChunkServerTlsTest {
    private static final long CHUNK = 1 << 20;

    @TempDir
    static Path certs;
    @TempDir
    Path dir;
    private final ChunkServerDaemon[] servers = new ChunkServerDaemon[3];
    private final Map<Integer, InetSocketAddress> addresses = new LinkedHashMap<>();

    @BeforeAll
    static void makeCertificates() throws Exception {
        Path script = Path.of("..", "scripts", "make-cluster-certs").toAbsolutePath().normalize();
        run(script.toString(), certs.resolve("cluster").toString(), "server1", "server2", "server3", "client");
        run(script.toString(), certs.resolve("foreign").toString(), "client");
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    private static TlsFiles identity(String ca, String name) {
        Path d = certs.resolve(ca);
        return new TlsFiles(d.resolve(name + ".pem"), d.resolve(name + ".key"), d.resolve("ca.pem"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private ChunkServerDaemon start(int id) throws Exception {
        ChunkServerConfig cfg = new ChunkServerConfig(dir.resolve("cs" + id), null,
                new InetSocketAddress("127.0.0.1", addresses.get(id).getPort()),
                new InetSocketAddress("127.0.0.1", 0), CHUNK, new DataDir.Layout(64L << 20, 16L << 20, 64), "pfs",
                (long) id, 1, 32L << 20, identity("cluster", "server" + id));
        servers[id - 1] = ChunkServerDaemon.start(cfg);
        return servers[id - 1];
    }

    private void startAll() throws Exception {
        for (int id = 1; id <= 3; id++) {
            addresses.put(id, InetSocketAddress.createUnresolved("127.0.0.1", freePort()));
        }
        for (int id = 1; id <= 3; id++) {
            start(id);
        }
    }

    @AfterEach
    void stop() {
        for (ChunkServerDaemon s : servers) {
            if (s != null) {
                s.close();
            }
        }
    }

    private InetSocketAddress server1() {
        return servers[0].address();
    }

    @Test
    void aClientWithAClusterCertificateIsServed() throws Exception {
        startAll();
        try (ChunkClient c = ChunkClient.connect(server1(), Duration.ofSeconds(10), identity("cluster", "client").load())) {
            c.create(42, CHUNK).get();
            c.write(42, 0, 0, ByteBuffer.wrap(filled(4096, 5)), true).get();
            ByteBuffer back = ByteBuffer.allocate(4096);
            c.read(42, 0, back).get();
            assertThat(back.array()).isEqualTo(filled(4096, 5));
        }
    }

    @Test
    void aClientWithoutACertificateIsRefusedBeforeItsFirstFrame() throws Exception {
        startAll();
        long before = tlsRefusals(servers[0]);
        try (ChunkClient c = ChunkClient.connect(server1(), Duration.ofSeconds(10))) {
            assertThatThrownBy(() -> c.create(43, CHUNK).get()).isInstanceOf(ExecutionException.class);
        }
        assertThat(refusalsAfter(servers[0], before)).isGreaterThan(before);
        try (ChunkClient c = ChunkClient.connect(server1(), Duration.ofSeconds(10), identity("cluster", "client").load())) {
            assertThatThrownBy(() -> c.stat(43).get()).as("the refused CREATE changed nothing")
                    .cause().isInstanceOfSatisfying(ChunkException.class,
                            e -> assertThat(e.status()).isEqualTo(ChunkStatus.UNKNOWN_CHUNK));
        }
    }

    @Test
    void aClientWithACertificateOfAnotherCaIsRefused() throws Exception {
        startAll();
        long before = tlsRefusals(servers[0]);
        ClusterTls foreign = identity("foreign", "client").load();
        assertThatThrownBy(() -> ChunkClient.connect(server1(), Duration.ofSeconds(10), foreign))
                .isInstanceOf(IOException.class).hasMessageContaining("TLS handshake with chunkserver");
        assertThat(refusalsAfter(servers[0], before)).isGreaterThan(before);
    }

    @Test
    void peersWithClusterCertificatesReplicateAndAPlainPeerHelloIsRefused() throws Exception {
        startAll();
        Placement p = Placement.spread("tls", 9, 2 * CHUNK, CHUNK, addresses, 3);
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(20), Duration.ofSeconds(2),
                identity("cluster", "client").load())) {
            VolumeException.await(v.write(CHUNK - 2048, ByteBuffer.wrap(filled(4096, 7)), 0, true));
            ByteBuffer back = ByteBuffer.allocate(4096);
            VolumeException.await(v.read(CHUNK - 2048, back));
            assertThat(back.array()).isEqualTo(filled(4096, 7));
        }
        long before = tlsRefusals(servers[2]);
        // A would-be peer on plain TCP: its HELLO frame is not a TLS ClientHello, so the server closes.
        try (Socket s = new Socket(servers[2].address().getAddress(), servers[2].address().getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(plainHello());
            out.flush();
            InputStream in = s.getInputStream();
            assertThat(in.readAllBytes()).as("nothing but a TLS alert, if anything").hasSizeLessThan(64);
        }
        assertThat(refusalsAfter(servers[2], before)).isGreaterThan(before);
    }

    @Test
    void aPlacementFileNamesTheIdentityEveryClientOfTheVolumePresents() throws Exception {
        startAll();
        Path file = dir.resolve("tls.placement");
        Placement.spread("tlsfile", 11, CHUNK, CHUNK, addresses, 3).withTls(identity("cluster", "client")).write(file);
        Placement p = Placement.read(file);
        assertThat(p.tls()).isEqualTo(identity("cluster", "client"));
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(20), Duration.ofSeconds(2))) {
            VolumeException.await(v.write(0, ByteBuffer.wrap(filled(4096, 3)), 0, true));
        }
        // pfs chunk verify and pfs cluster status read every replica with the same identity.
        assertThat(ReplicaCompare.differences(p, Duration.ofSeconds(20))).isEmpty();
        Placement plain = p.withTls(null);
        assertThat(ReplicaCompare.differences(plain, Duration.ZERO)).singleElement().asString()
                .contains("unreadable");
    }

    /** A HELLO frame as a peer with id 1 sends it, in the data path's frame family. */
    private static byte[] plainHello() {
        io.netty.buffer.ByteBuf b = dev.pfs.chunkserver.protocol.ChunkFrameEncoder.encode(
                io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, dev.pfs.chunkserver.protocol.ChunkOp.HELLO, false,
                0, 0, 1, 0, 0, 0, 0, dev.pfs.chunkserver.protocol.ChunkStatus.OK, io.netty.buffer.Unpooled.EMPTY_BUFFER);
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        b.release();
        return bytes;
    }

    /**
     * @return the server's refusal count once it passed {@code before}, or its count after 20 s:
     *         the client may give up on the handshake (it refuses a foreign server certificate
     *         too) before the server has counted its side
     */
    private static long refusalsAfter(ChunkServerDaemon d, long before) throws Exception {
        long end = System.nanoTime() + 20_000_000_000L;
        long n;
        while ((n = tlsRefusals(d)) <= before && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        return n;
    }

    /** @return the server's count of connections refused in the TLS handshake, from its /metrics */
    private static long tlsRefusals(ChunkServerDaemon d) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + d.metricsAddress().getPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.body().lines().filter(l -> l.startsWith("pfs_chunkserver_frame_errors_total") && l.contains("tls"))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }
}
