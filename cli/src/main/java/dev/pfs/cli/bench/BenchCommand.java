package dev.pfs.cli.bench;

import dev.pfs.cli.BaseCommand;
import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import dev.pfs.cli.Failures;
import dev.pfs.cli.volume.SizeConverter;
import dev.pfs.common.config.ByteSize;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pfs bench}: libpfs on a FileVolume against a plain file on the same disk, in one run
 * (what {@code scripts/bench/libpfs-vs-ext4} runs). Both sides write with O_DIRECT.
 *
 * <ul>
 *   <li>4 KB random overwrite + fdatasync, one at a time, like fio with {@code rw=randwrite
 *       bs=4k fdatasync=1 iodepth=1}: the file is laid out (written in full) first.</li>
 *   <li>1 MB sequential writes into a new file, one fdatasync at the end, like fio with
 *       {@code rw=write bs=1m end_fsync=1}.</li>
 * </ul>
 * The two targets take turns in rounds, each round starting with the other one, so that drift
 * of a shared machine hits both alike. Before them both take turns, not counted, until a whole
 * turn of both compiled no method ({@link #warmUp}), so that the rounds time compiled code on
 * both sides. The last line of output is
 * {@code latency_ratio=.. p99_ratio=.. throughput_ratio=..} (pfs/plain).
 */
@Command(name = "bench", hidden = true, mixinStandardHelpOptions = true,
        description = "Benchmark libpfs on a FileVolume against a plain O_DIRECT file in DIR (same disk).")
public final class BenchCommand extends BaseCommand {
    private static final int SMALL = 4096;
    private static final int LARGE = 1 << 20;
    /** 4 KB writes per target in one warm-up turn. */
    private static final int WARMUP_OPS = 1000;
    /** Bytes each target writes sequentially, into a new file, in one warm-up turn. */
    private static final long WARMUP_SEQ = 16L << 20;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Scratch directory on the disk to measure.")
    private Path dir;

    @Option(names = "--file-size", paramLabel = "SIZE", defaultValue = "256M", converter = SizeConverter.class,
            description = "Size of the file the random writes land in (default: ${DEFAULT-VALUE}).")
    private long fileSize;

    @Option(names = "--ops", paramLabel = "N", defaultValue = "3000",
            description = "Random 4 KB writes per target (default: ${DEFAULT-VALUE}).")
    private int ops;

    @Option(names = "--seq-size", paramLabel = "SIZE", defaultValue = "512M", converter = SizeConverter.class,
            description = "Bytes written sequentially per target (default: ${DEFAULT-VALUE}).")
    private long seqSize;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "6",
            description = "Turns the targets take (default: ${DEFAULT-VALUE}).")
    private int rounds;

    @Option(names = "--warmup-turns", paramLabel = "N", defaultValue = "30",
            description = "Most uncounted warm-up turns, each ended early once one compiled nothing (default: ${DEFAULT-VALUE}).")
    private int maxWarmupTurns;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of the random offsets.")
    private long seed;

    @Override
    protected ExitStatus run() throws CliException, IOException {
        if (!Files.isDirectory(dir)) {
            throw Failures.usage("--dir " + dir + " is not a directory");
        }
        long seqPerRound = rounds < 1 ? 0 : seqSize / rounds / LARGE * LARGE;
        if (ops < rounds || rounds < 1 || fileSize % LARGE != 0 || seqPerRound == 0 || maxWarmupTurns < 1) {
            throw Failures.usage("need --ops >= --rounds >= 1, --file-size a multiple of 1M, --seq-size at least rounds x 1M,"
                    + " --warmup-turns >= 1");
        }
        PrintWriter out = out();
        long volumeSize = fileSize + seqSize + maxWarmupTurns * WARMUP_SEQ + Math.max(fileSize / 4, 256L << 20);
        try (WriteTarget plain = new PlainFileTarget(dir);
             WriteTarget pfs = new LibpfsTarget(dir.resolve("bench.img"), volumeSize)) {
            List<WriteTarget> targets = List.of(plain, pfs);
            out.printf("pfs bench in %s (%s): random file %s, %d x 4 KB writes, sequential %s, %d rounds%n",
                    dir, Files.getFileStore(dir).type(), ByteSize.human(fileSize), ops,
                    ByteSize.human(seqSize), rounds);
            for (WriteTarget t : targets) {
                out.printf("  %-10s %s%n", t.name() + ":", t.mode());
            }
            ByteBuffer small = aligned(SMALL);
            ByteBuffer large = aligned(LARGE);
            for (WriteTarget t : targets) {
                layOut(t, large);
            }
            SplittableRandom random = new SplittableRandom(seed);
            warmUp(out, targets, small, large, random);
            Latencies[] lat = {new Latencies(), new Latencies()};
            long[] seqNanos = new long[2];
            for (int round = 0; round < rounds; round++) {
                for (int k = 0; k < targets.size(); k++) {
                    int i = (k + round) % targets.size();
                    randomWrites(targets.get(i), small, ops / rounds, random.split(), lat[i]);
                }
                for (int k = 0; k < targets.size(); k++) {
                    int i = (k + round) % targets.size();
                    seqNanos[i] += sequentialWrite(targets.get(i), large, "seq-" + round, seqPerRound);
                }
            }
            report(out, targets, lat, seqNanos, seqPerRound * rounds);
        }
        return ExitStatus.OK;
    }

    /**
     * Runs both targets, not counted, until a whole turn of both compiled no method (at most
     * {@code --warmup-turns}). libpfs's path is Java from the call to the volume file, which
     * the JIT compiles only after thousands of calls, later still on a busy machine; the plain
     * file's is a few native calls. A fixed short warm-up left the rounds timing libpfs partly
     * interpreted and the compiler threads competing with it for the CPUs: not libpfs's steady
     * cost. Each turn also writes a new file sequentially, so the allocating path warms up too.
     */
    private void warmUp(PrintWriter out, List<WriteTarget> targets, ByteBuffer small, ByteBuffer large,
                        SplittableRandom random) throws IOException {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        long start = System.nanoTime();
        int turns = 0;
        boolean quiet;
        do {
            long compiling = jit.getTotalCompilationTime();
            for (WriteTarget t : targets) {
                randomWrites(t, small, WARMUP_OPS, random.split(), new Latencies());
                sequentialWrite(t, large, "warmup-" + turns, WARMUP_SEQ);
            }
            turns++;
            quiet = jit.getTotalCompilationTime() == compiling;
        } while (!quiet && turns < maxWarmupTurns);
        out.printf(Locale.ROOT, "  warm-up:   %d turns of %d x 4 KB + %s per target, %.1f s, %s%n", turns,
                WARMUP_OPS, ByteSize.human(WARMUP_SEQ), (System.nanoTime() - start) / 1e9,
                quiet ? "the last one compiled nothing" : "the JIT was still compiling");
    }

    private static ByteBuffer aligned(int size) {
        ByteBuffer buf = ByteBuffer.allocateDirect(size + 4096).alignedSlice(4096);
        buf.limit(size);
        for (int i = 0; i < size; i++) {
            buf.put(i, (byte) (i * 31 + 7));
        }
        return buf;
    }

    /** Writes the whole random-write file first, as fio does, so overwrites hit allocated blocks. */
    private void layOut(WriteTarget t, ByteBuffer large) throws IOException {
        t.open("random.dat");
        for (long off = 0; off < fileSize; off += LARGE) {
            t.pwrite(large.clear(), off);
        }
        t.fdatasync();
        t.closeFile();
    }

    private void randomWrites(WriteTarget t, ByteBuffer small, int n, SplittableRandom random, Latencies lat)
            throws IOException {
        t.open("random.dat");
        long blocks = fileSize / SMALL;
        int warmup = Math.min(50, n / 10);
        for (int i = 0; i < n + warmup; i++) {
            long off = random.nextLong(blocks) * SMALL;
            long start = System.nanoTime();
            t.pwrite(small.clear(), off);
            t.fdatasync();
            long took = System.nanoTime() - start;
            if (i >= warmup) {
                lat.add(took);
            }
        }
        t.closeFile();
    }

    private static long sequentialWrite(WriteTarget t, ByteBuffer large, String name, long bytes) throws IOException {
        long start = System.nanoTime();
        t.open(name);
        for (long off = 0; off < bytes; off += LARGE) {
            t.pwrite(large.clear(), off);
        }
        t.fdatasync();
        t.closeFile();
        return System.nanoTime() - start;
    }

    private static void report(PrintWriter out, List<WriteTarget> targets, Latencies[] lat, long[] seqNanos,
                               long seqBytes) {
        double[] p50 = new double[2];
        double[] p99 = new double[2];
        double[] mbps = new double[2];
        for (int i = 0; i < 2; i++) {
            p50[i] = lat[i].percentile(50) / 1e3;
            p99[i] = lat[i].percentile(99) / 1e3;
            mbps[i] = seqBytes / (double) (1 << 20) / (seqNanos[i] / 1e9);
        }
        out.printf("%n%-34s %14s %14s %8s%n", "test", targets.get(0).name(), targets.get(1).name(), "pfs/plain");
        row(out, "4K randwrite+fdatasync p50 (us)", p50);
        row(out, "4K randwrite+fdatasync p99 (us)", p99);
        row(out, "1M seq write (MiB/s)", mbps);
        out.printf(Locale.ROOT, "latency_ratio=%.2f p99_ratio=%.2f throughput_ratio=%.2f%n",
                p50[1] / p50[0], p99[1] / p99[0], mbps[1] / mbps[0]);
    }

    private static void row(PrintWriter out, String name, double[] v) {
        out.printf(Locale.ROOT, "%-34s %14.1f %14.1f %8.2f%n", name, v[0], v[1], v[1] / v[0]);
    }
}
