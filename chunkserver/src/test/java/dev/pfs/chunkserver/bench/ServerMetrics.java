package dev.pfs.chunkserver.bench;

import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Scrapes of chunkservers' Prometheus endpoints, summed over servers, for the benchmarks' breakdowns. */
final class ServerMetrics {
    private final Map<String, Double> values;

    private ServerMetrics(Map<String, Double> values) {
        this.values = values;
    }

    /** Scrapes every endpoint ({@code host:port}) now; a sample's value is its sum over them. */
    static ServerMetrics scrape(List<String> endpoints) throws Exception {
        Map<String, Double> sum = new HashMap<>();
        for (String endpoint : endpoints) {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://" + endpoint + "/metrics").toURL()
                    .openConnection();
            try (var in = c.getInputStream()) {
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    int space = line.lastIndexOf(' ');
                    if (!line.startsWith("#") && space > 0) {
                        sum.merge(line.substring(0, space), Double.parseDouble(line.substring(space + 1)), Double::sum);
                    }
                }
            } finally {
                c.disconnect();
            }
        }
        return new ServerMetrics(sum);
    }

    /** @return how much sample {@code key} (name with labels, as exposed) grew from {@code before} to this scrape */
    double since(ServerMetrics before, String key) {
        return values.getOrDefault(key, 0.0) - before.values.getOrDefault(key, 0.0);
    }
}
