package dev.pfs.chunkserver.bench;

import dev.pfs.chunkserver.client.ChunkClient;
import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The chunkserver side of {@code scripts/bench/replicated-vs-disk}: over one unreplicated
 * chunkserver (a 512 MB chunk, {@link ChunkClient}) or over a replicated volume of four 128 MB
 * chunks on three chunkservers ({@link ReplicatedVolume}; chunk i's preferred leader is server
 * i+1, so leaders spread), the region written once in full ({@link WriteLoad#fill}, as fio's file
 * is), then 1 MB sequential FUA writes at iodepth 4, then 4 KB random FUA writes
 * at iodepth 1 and 32, kept in flight by one submitter ({@link WriteLoad}), each load first run unmeasured
 * for the ramp (the JIT's warm-up, see {@link WriteLoad#run}). The disk side (fio) is the script's.
 *
 * <p>Before the loads, after the fill, a warm-up of 4 KB random writes at iodepth 32 for
 * WARM-SECONDS, unmeasured: a daemon serves warm, and on two cores shared by four JVMs the
 * servers' JIT took about 100 s of load to get there. Three replicating servers went from 1,037
 * to 3,500 QD32 IOPS over 120 s of steady load, and measured a QD1 p50 of 1.9-2.3 ms after a
 * 100 s warm-up against 3.7-9 ms with a 20 s ramp alone (mine, 2026-12-07).
 *
 * <p>Usage: {@code ReplicatedVsDisk single HOST:PORT SECONDS LABEL RAMP-SECONDS WARM-SECONDS} or
 * {@code ReplicatedVsDisk parallel|strict 1=HOST:PORT,2=HOST:PORT,3=HOST:PORT SECONDS LABEL RAMP-SECONDS
 * WARM-SECONDS} (the replicated volume's mode), each optionally followed by the servers' metrics
 * endpoints, {@code HOST:PORT,HOST:PORT,...}: then each measured load also prints what the servers
 * together did per client write (replication-log writes, Readies, store WAL syncs).
 * The last line is {@code LABEL
 * seq_mbps=.. qd1_p50_us=.. qd1_p99_us=.. qd1_mean_us=.. qd32_iops=..}.
 */
public final class ReplicatedVsDisk {
    private static final long CHUNK = 128L << 20;

    private ReplicatedVsDisk() {
    }


    private static WriteLoad.Result measured(String name, int depth, int size, boolean sequential, double ramp,
                                             double seconds, WriteLoad.Writer w, List<String> metrics)
            throws Exception {
        WriteLoad.run(depth, size, sequential, ramp, 0, w);
        ServerMetrics before = metrics.isEmpty() ? null : ServerMetrics.scrape(metrics);
        WriteLoad.Result r = WriteLoad.run(depth, size, sequential, 0, seconds, w);
        System.out.printf("%-36s %10.0f IOPS %9.1f MB/s  mean %8.1f us  p50 %8.1f us  p99 %8.1f us%n", name,
                r.iops(), r.mbps(), r.meanMicros(), r.pctMicros(0.5), r.pctMicros(0.99));
        if (before != null && r.ops() > 0) {
            perWrite(r.ops(), before, ServerMetrics.scrape(metrics));
        }
        return r;
    }

    /**
     * Prints what the servers together did per client write while it ran: replication-log writes
     * (each a frame of one round, FUA) and how long a round waited for its own, Readies handled,
     * store WAL syncs. These explain a mode's figures: on one shared disk, every log write is a
     * FUA write of its own.
     */
    private static void perWrite(long ops, ServerMetrics before, ServerMetrics after) {
        double logWrites = after.since(before, "pfs_chunkserver_replication_events_total{event=\"log_writes\"}");
        double readies = after.since(before, "pfs_chunkserver_replication_events_total{event=\"readies\"}");
        double logSecs = after.since(before, "pfs_chunkserver_replication_log_write_seconds_total");
        double walSyncs = after.since(before, "pfs_chunkserver_wal_syncs_total");
        System.out.printf("    per client write, all servers: %.2f replication-log writes (%.0f us each until durable),"
                + " %.2f Readies, %.2f store WAL syncs%n", logWrites / ops,
                logWrites == 0 ? 0 : logSecs / logWrites * 1e6, readies / ops, walSyncs / ops);
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    /** Runs one side; see the class comment. */
    public static void main(String[] args) throws Exception {
        double secs = Double.parseDouble(args[2]);
        String label = args[3];
        double ramp = Double.parseDouble(args[4]);
        double warm = Double.parseDouble(args[5]);
        List<String> metrics = args.length > 6 ? List.of(args[6].split(",")) : List.of();
        WriteLoad.Result seq;
        WriteLoad.Result qd1;
        WriteLoad.Result qd32;
        if (args[0].equals("single")) {
            try (ChunkClient client = ChunkClient.connect(address(args[1]))) {
                client.create(1, WriteLoad.REGION).get();
                WriteLoad.Writer w = (off, data) -> client.write(1, 1, off, data, true);
                WriteLoad.fill(4, w);
                WriteLoad.run(32, 4096, false, warm, 0, w);
                seq = measured(label + " 1M seq qd4 FUA", 4, 1 << 20, true, ramp, secs, w, metrics);
                qd1 = measured(label + " 4K rand qd1 FUA", 1, 4096, false, ramp, secs, w, metrics);
                qd32 = measured(label + " 4K rand qd32 FUA", 32, 4096, false, ramp, secs, w, metrics);
            }
        } else {
            Map<Integer, InetSocketAddress> servers = new LinkedHashMap<>();
            for (String s : args[1].split(",")) {
                String[] kv = s.split("=", 2);
                servers.put(Integer.parseInt(kv[0]), InetSocketAddress.createUnresolved(address(kv[1]).getHostString(),
                        address(kv[1]).getPort()));
            }
            Placement p = Placement.spread("bench", 1, WriteLoad.REGION, CHUNK, servers, servers.size())
                    .withMode(Placement.parseMode(args[0]));
            try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(60), Duration.ofSeconds(10))) {
                WriteLoad.Writer w = (off, data) -> v.write(off, data, 1, true);
                WriteLoad.fill(4, w);
                WriteLoad.run(32, 4096, false, warm, 0, w);
                seq = measured(label + " 1M seq qd4 FUA", 4, 1 << 20, true, ramp, secs, w, metrics);
                qd1 = measured(label + " 4K rand qd1 FUA", 1, 4096, false, ramp, secs, w, metrics);
                qd32 = measured(label + " 4K rand qd32 FUA", 32, 4096, false, ramp, secs, w, metrics);
            }
        }
        System.out.printf("%s seq_mbps=%.1f qd1_p50_us=%.1f qd1_p99_us=%.1f qd1_mean_us=%.1f qd32_iops=%.0f%n", label,
                seq.mbps(), qd1.pctMicros(0.5), qd1.pctMicros(0.99), qd1.meanMicros(), qd32.iops());
    }
}
