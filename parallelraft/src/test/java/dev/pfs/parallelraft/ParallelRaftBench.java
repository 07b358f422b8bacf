package dev.pfs.parallelraft;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * ParallelRaft vs strict Raft in the deterministic simulation: a 3-node group, random 4 KB
 * writes over a 10 GB LBA space, Pareto per-message delay, no faults, iodepth 1, 8 and 32, a
 * write acknowledged at commit. Each node's disk runs {@link Simulation#DISK_QUEUE} Readies at
 * once with Pareto latency, completing out of order; both modes share the disk and network
 * model. Prints a table (with mean entries per APPEND and how often a strict follower held an
 * acknowledgement back behind a write still in flight), a reference run of strict mode with a
 * serial disk, and, last, {@code iodepth32_throughput_ratio=.. iodepth32_p99_ratio=..}.
 * Simulated time, so the figures are the protocol's, not this machine's. Run by
 * {@code scripts/bench/parallelraft-vs-raft}.
 */
public final class ParallelRaftBench {

    private static final double ALPHA = Double.parseDouble(System.getProperty("alpha", "1.5"));
    /** Scale of the message delay, microseconds (median = scale * 2^(1/alpha)). */
    private static final long DELAY_SCALE = 40;

    private ParallelRaftBench() {
    }

    private record Result(double throughput, double p50, double p99, double entriesPerAppend, long acksDeferred) {
    }

    /**
     * @param args optional: simulated seconds per run (default 2), seed (default 42); the system
     *             property {@code alpha} sets the Pareto tail index (default 1.5)
     */
    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 42;
        System.out.printf("3 nodes, 4 KB random writes over 10 GB, Pareto message delay (median ~%.0f us, alpha %.2f, "
                + "cap 100 ms), %.1f simulated s per run, seed %d%n", DELAY_SCALE * Math.pow(2, 1 / ALPHA), ALPHA, seconds, seed);
        double diskScale = Simulation.diskScale(options(Mode.STRICT, 1, seconds));
        System.out.printf("disk: %d writes at once per node, Pareto latency per Ready (scale %.0f us, alpha %.2f, "
                + "median ~%.0f us, cap %.0f us), completing out of order%n", Simulation.DISK_QUEUE, diskScale,
                Simulation.DISK_ALPHA, diskScale * Math.pow(2, 1 / Simulation.DISK_ALPHA), Simulation.DISK_CAP);
        System.out.printf("%-8s %-9s %12s %10s %10s %14s %14s%n", "iodepth", "mode", "writes/s", "p50 us", "p99 us",
                "entries/APPEND", "acks deferred");
        Result strict32 = null;
        Result parallel32 = null;
        for (int depth : new int[] {1, 8, 32}) {
            for (Mode mode : Mode.values()) {
                Result r = run(mode, depth, seconds, seed, Simulation.DISK_QUEUE);
                System.out.printf("%-8d %-9s %12.0f %10.0f %10.0f %14.2f %14d%n", depth, mode, r.throughput, r.p50,
                        r.p99, r.entriesPerAppend, r.acksDeferred);
                if (depth == 32) {
                    if (mode == Mode.STRICT) {
                        strict32 = r;
                    } else {
                        parallel32 = r;
                    }
                }
            }
        }
        Result serial = run(Mode.STRICT, 32, seconds, seed, 1);
        System.out.printf("reference, disk writing one Ready at a time (batches grow instead):%n%-8d %-9s %12.0f %10.0f "
                + "%10.0f %14.2f%n", 32, Mode.STRICT, serial.throughput, serial.p50, serial.p99, serial.entriesPerAppend);
        System.out.printf("iodepth32_throughput_ratio=%.2f iodepth32_p99_ratio=%.2f%n",
                parallel32.throughput / strict32.throughput, parallel32.p99 / strict32.p99);
    }

    private static Result run(Mode mode, int depth, double seconds, long seed, int diskQueue) {
        Simulation sim = new Simulation(seed, options(mode, depth, seconds));
        sim.diskQueue = diskQueue;
        sim.run();
        List<Long> lat = new ArrayList<>(sim.latencies);
        Collections.sort(lat);
        long deferred = 0;
        for (int id = 1; id < sim.replicas.length; id++) {
            deferred += sim.replicas[id].node.acksDeferred();
        }
        return new Result(sim.acked / seconds, pct(lat, 0.50), pct(lat, 0.99),
                sim.appends == 0 ? 0 : (double) sim.appendedEntries / sim.appends, deferred);
    }

    private static SimOptions options(Mode mode, int depth, double seconds) {
        long blocks = 10L * 1024 * 1024 * 1024 / 4096;
        return new SimOptions(mode, 3, (long) (seconds * 1_000_000), depth, blocks, 1, false, DELAY_SCALE, ALPHA, false);
    }

    private static double pct(List<Long> sorted, double q) {
        return sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1, Math.floor(q * sorted.size())));
    }
}
