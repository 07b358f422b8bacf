package dev.pfs.pswitch.server;

import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The switch's /metrics (Prometheus) and /health: sessions attached, freed and disconnected,
 * requests, refusals and violations, and the bytes waiting in all request rings.
 */
final class SwitchMetrics implements AutoCloseable {
    private final HTTPServer http;
    private final InetSocketAddress address;

    private SwitchMetrics(HTTPServer http, InetSocketAddress address) {
        this.http = http;
        this.address = address;
    }

    static SwitchMetrics start(InetSocketAddress address, SwitchCounters counters, SwitchAgent agent)
            throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        counter(registry, "pfs_switch_attaches", "Clients attached", counters::attachedCount);
        counter(registry, "pfs_switch_attaches_denied", "Attaches refused: the uid may not use the volume",
                counters::deniedAttachCount);
        counter(registry, "pfs_switch_sessions_freed", "Sessions whose rings and arena were freed",
                counters::freedCount);
        counter(registry, "pfs_switch_requests", "Requests taken from the rings", counters::requestCount);
        counter(registry, "pfs_switch_refusals", "Requests failed before the backend (misaligned, out of range)",
                counters::refusalCount);
        counter(registry, "pfs_switch_violations", "Clients disconnected for a malformed ring or request",
                counters::violationCount);
        counter(registry, "pfs_switch_heartbeat_timeouts", "Clients disconnected for a stale heartbeat",
                counters::staleHeartbeatCount);
        GaugeWithCallback.builder().name("pfs_switch_sessions").help("Sessions held, live or being freed")
                .callback(cb -> cb.call(agent.publishedSessions())).register(registry);
        GaugeWithCallback.builder().name("pfs_switch_request_ring_bytes")
                .help("Bytes of requests waiting in all request rings (ring depth)")
                .callback(cb -> cb.call(agent.publishedRingBytes())).register(registry);
        GaugeWithCallback.builder().name("pfs_switch_in_flight").help("Requests the backends are working on")
                .callback(cb -> cb.call(agent.publishedInFlight())).register(registry);
        HTTPServer http = HTTPServer.builder().inetAddress(address.getAddress()).port(address.getPort())
                .registry(registry).registerHealthHandler(false).defaultHandler(SwitchMetrics::health).buildAndStart();
        return new SwitchMetrics(http, new InetSocketAddress(address.getAddress(), http.getPort()));
    }

    private static void counter(PrometheusRegistry registry, String name, String help,
                                java.util.function.LongSupplier value) {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsLong())).register(registry);
    }

    private static void health(HttpExchange exchange) throws IOException {
        try (exchange) {
            boolean known = exchange.getRequestURI().getPath().equals("/health");
            byte[] body = (known ? "ok\n" : "try /metrics or /health\n").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(known ? 200 : 404, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** @return where it serves */
    InetSocketAddress address() {
        return address;
    }

    @Override
    public void close() {
        http.close();
    }
}
