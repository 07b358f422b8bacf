package dev.pfs.chunkserver.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/**
 * The metrics endpoint's {@code /health}: 200 "ok" while every part of the server is healthy,
 * 503 naming the first failure otherwise (a failed store refuses every request until restart,
 * so a supervisor must see it); any other path but {@code /metrics} is 404.
 */
public final class HealthHandler implements HttpHandler {
    private final List<Supplier<String>> failures;

    /** @param failures each part's failure, or null while it is healthy ({@code ChunkStore::failure}, ...) */
    public HealthHandler(List<Supplier<String>> failures) {
        this.failures = List.copyOf(failures);
    }

    /** @return the first part's failure, or null if all are healthy */
    public String failure() {
        for (Supplier<String> f : failures) {
            String why = f.get();
            if (why != null) {
                return why;
            }
        }
        return null;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            int code;
            String body;
            if (!exchange.getRequestURI().getPath().equals("/health")) {
                code = 404;
                body = "try /metrics or /health\n";
            } else {
                String why = failure();
                code = why == null ? 200 : 503;
                body = why == null ? "ok\n" : "failed: " + why + "\n";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(code, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
