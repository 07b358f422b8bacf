package dev.pfs.chunkserver.bench;

import dev.pfs.chunkserver.client.ChunkClient;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The chunkserver side of {@code scripts/bench/chunkserver-vs-disk}: 1 MB sequential writes at
 * iodepth 4, then 4 KB random FUA writes at iodepth 1 and 32, kept in flight by one submitter
 * over one connection ({@link WriteLoad}), after the region is written in full once, each load
 * first run unmeasured for the ramp (the JIT's warm-up).
 * After each test it prints, from the server's metrics, where a write waited inside the server
 * (queued for the store agent, batched until its group commit, WAL write + sync, durable until
 * its reply went out) and what is left for the client and the network, and the records per
 * group commit. The disk side (fio) is the script's.
 *
 * <p>Before the loads, after the fill, a warm-up of 4 KB random writes at iodepth 32 for
 * warm-seconds, unmeasured, as {@code ReplicatedVsDisk} does: a daemon serves warm, and one
 * server's QD1 mean was 377-440 us after 120 s of it against 448-925 us after the ramps alone
 * (mine, 2026-12-07).
 *
 * <p>Usage: {@code ChunkServerVsDisk <host:port> <metrics host:port> <seconds-per-test>
 * <ramp-seconds> <warm-seconds> [disk-side]}: disk-side, if given, is run as {@code disk-side LOAD
 * before|after} around each measured load (LOAD is seq, qd1 or qd32), which the script uses to run
 * fio's same load right next to the chunkserver's. The last line is {@code cs seq_mbps=.. qd1_mean_us=.. qd32_iops=..}.
 */
public final class ChunkServerVsDisk {
    private ChunkServerVsDisk() {
    }


    private static void print(String name, WriteLoad.Result r) {
        System.out.printf("%-28s %10.0f IOPS %9.1f MB/s  mean %8.1f us  p50 %8.1f us  p99 %8.1f us%n", name,
                r.iops(), r.mbps(), r.meanMicros(), r.pctMicros(0.5), r.pctMicros(0.99));
    }

    /** Prints where the test's writes waited, from the metrics before and after it. */
    private static void breakdown(WriteLoad.Result r, ServerMetrics before, ServerMetrics after) {
        StringBuilder line = new StringBuilder("    per write (us):");
        double inServer = 0;
        for (String stage : new String[] {"queued", "batched", "sync", "reply"}) {
            double n = after.since(before, "pfs_chunkserver_write_stage_writes_total{stage=\"" + stage + "\"}");
            double secs = after.since(before, "pfs_chunkserver_write_stage_seconds_total{stage=\"" + stage + "\"}");
            double us = n == 0 ? 0 : secs / n * 1e6;
            inServer += us;
            line.append(String.format(" %s %.1f", stage, us));
        }
        line.append(String.format(" | client+network+decode %.1f (of %.1f)", r.meanMicros() - inServer,
                r.meanMicros()));
        System.out.println(line);
        double syncs = after.since(before, "pfs_chunkserver_group_commit_records_count");
        double records = after.since(before, "pfs_chunkserver_group_commit_records_sum");
        double syncSecs = after.since(before, "pfs_chunkserver_wal_sync_seconds_sum");
        double encodeSecs = after.since(before, "pfs_chunkserver_wal_append_seconds_total{part=\"encode\"}");
        double writeSecs = after.since(before, "pfs_chunkserver_wal_append_seconds_total{part=\"write\"}");
        double per = syncs == 0 ? 0 : 1e6 / syncs;
        double issued = after.since(before, "pfs_chunkserver_wal_frames_in_flight_count");
        double inFlight = after.since(before, "pfs_chunkserver_wal_frames_in_flight_sum");
        System.out.printf("    group commits %.0f, %.1f records per commit, %.1f WAL frames in flight, WAL append"
                + " %.1f us each (frame encode + CRCs %.1f, O_DSYNC write %.1f)%n", syncs,
                syncs == 0 ? 0 : records / syncs, issued == 0 ? 0 : inFlight / issued, syncSecs * per,
                encodeSecs * per, writeSecs * per);
    }

    /**
     * Runs one load: its ramp, the disk side's run of the same load (if {@code diskSide} names
     * the script's command), the measured run with its breakdown, and the disk side again.
     */
    private static WriteLoad.Result measured(String name, String load, String metrics, String diskSide, int depth,
                                             int size, boolean sequential, double ramp, double seconds,
                                             WriteLoad.Writer w) throws Exception {
        // The same load, unmeasured, first (the JIT's warm-up); the breakdown counts only the measured run.
        WriteLoad.run(depth, size, sequential, ramp, 0, w);
        disk(diskSide, load, "before");
        ServerMetrics before = ServerMetrics.scrape(List.of(metrics));
        WriteLoad.Result r = WriteLoad.run(depth, size, sequential, 0, seconds, w);
        print(name, r);
        breakdown(r, before, ServerMetrics.scrape(List.of(metrics)));
        disk(diskSide, load, "after");
        return r;
    }

    /** Runs the script's disk side of {@code load} and waits for it; fails if it fails. */
    private static void disk(String diskSide, String load, String phase) throws Exception {
        if (diskSide == null) {
            return;
        }
        int exit = new ProcessBuilder(diskSide, load, phase).inheritIO().start().waitFor();
        if (exit != 0) {
            throw new IllegalStateException(diskSide + " " + load + " " + phase + " exited with " + exit);
        }
    }

    /** Runs the chunkserver side. */
    public static void main(String[] args) throws Exception {
        String[] hp = args[0].split(":");
        String metrics = args[1];
        double secs = Double.parseDouble(args[2]);
        double ramp = Double.parseDouble(args[3]);
        double warm = Double.parseDouble(args[4]);
        String diskSide = args.length > 5 ? args[5] : null;
        try (ChunkClient client = ChunkClient.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])))) {
            client.create(1, WriteLoad.REGION).get();
            WriteLoad.Writer cs = (off, data) -> client.write(1, 1, off, data, true);
            WriteLoad.fill(4, cs);
            WriteLoad.run(32, 4096, false, warm, 0, cs);
            WriteLoad.Result seq = measured("chunkserver 1M seq qd4 FUA", "seq", metrics, diskSide,
                    4, 1 << 20, true, ramp, secs, cs);
            WriteLoad.Result qd1 = measured("chunkserver 4K rand qd1 FUA", "qd1", metrics, diskSide,
                    1, 4096, false, ramp, secs, cs);
            WriteLoad.Result qd32 = measured("chunkserver 4K rand qd32 FUA", "qd32", metrics, diskSide,
                    32, 4096, false, ramp, secs, cs);
            System.out.printf("cs seq_mbps=%.1f qd1_mean_us=%.1f qd32_iops=%.0f%n", seq.mbps(), qd1.meanMicros(),
                    qd32.iops());
        }
    }
}
