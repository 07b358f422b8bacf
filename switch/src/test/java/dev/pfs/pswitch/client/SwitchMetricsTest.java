package dev.pfs.pswitch.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.VolumeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class SwitchMetricsTest {
    @TempDir
    Path dir;

    private static HttpResponse<String> get(java.net.InetSocketAddress a, String path) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void servesHealthAndCountsAttachesAndRequests() throws Exception {
        try (SwitchFixture sw = new SwitchFixture(dir).volume("v", 1 << 20).withMetrics().start();
             SwitchVolume v = sw.connect("v")) {
            VolumeException.await(v.write(0, ByteBuffer.allocate(4096)));
            var a = sw.daemon().metricsAddress();
            HttpResponse<String> health = get(a, "/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("ok\n");
            String metrics = get(a, "/metrics").body();
            assertThat(metrics).contains("pfs_switch_attaches_total 1.0").contains("pfs_switch_requests_total 1.0")
                    .contains("pfs_switch_request_ring_bytes").contains("pfs_switch_sessions");
            assertThat(get(a, "/nope").statusCode()).isEqualTo(404);
        }
    }
}
