package dev.pfs.chunkserver.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A measurement, not run in CI ({@code -Dpfs.repl.idle=GROUPS} runs it): three chunkserver
 * processes holding GROUPS idle replication groups each; prints their CPU time over 10 s.
 */
@Tag("system")
class ReplicatedIdleCost {
    @TempDir
    Path dir;

    @Test
    void idleGroupsCost() throws Exception {
        int groups = Integer.getInteger("pfs.repl.idle", 0);
        Assumptions.assumeTrue(groups > 0, "a measurement: -Dpfs.repl.idle=GROUPS runs it");
        long chunk = 64 * 1024;
        Map<Integer, InetSocketAddress> addresses = new LinkedHashMap<>();
        List<ChunkServerProcess> procs = new ArrayList<>();
        try {
            for (int id = 1; id <= 3; id++) {
                int port;
                try (ServerSocket s = new ServerSocket(0)) {
                    port = s.getLocalPort();
                }
                addresses.put(id, InetSocketAddress.createUnresolved("127.0.0.1", port));
                procs.add(ChunkServerProcess.startAt(dir.resolve("cs" + id), "127.0.0.1:" + port, "--server-id",
                        String.valueOf(id), "--capacity", "1G", "--wal-size", "16M", "--chunk-size", "64K",
                        "--max-chunks", String.valueOf(groups + 16)));
            }
            Placement p = Placement.spread("idle", 5, groups * chunk, chunk, addresses, 3);
            try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(120), Duration.ofSeconds(10))) {
                assertThat(v.size()).isEqualTo(groups * chunk);
            }
            Thread.sleep(5000);
            long before = cpu(procs);
            long start = System.nanoTime();
            Thread.sleep(10_000);
            long used = cpu(procs) - before;
            double wall = (System.nanoTime() - start) / 1e9;
            System.out.printf("replicated idle: servers=3 groups=%d cpu_s=%.2f wall_s=%.1f share_of_one_core=%.1f%%%n",
                    groups, used / 1e9, wall, 100.0 * used / 1e9 / wall);
        } finally {
            for (ChunkServerProcess c : procs) {
                c.close();
            }
        }
    }

    private static long cpu(List<ChunkServerProcess> procs) {
        long n = 0;
        for (ChunkServerProcess c : procs) {
            n += c.handle().info().totalCpuDuration().orElseThrow().toNanos();
        }
        return n;
    }
}
