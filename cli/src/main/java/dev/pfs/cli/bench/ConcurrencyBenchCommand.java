package dev.pfs.cli.bench;

import dev.pfs.cli.BaseCommand;
import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import dev.pfs.cli.Failures;
import dev.pfs.cli.volume.SizeConverter;
import dev.pfs.common.config.ByteSize;
import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pfs bench-concurrency}: how libpfs scales with threads (what
 * {@code scripts/bench/libpfs-concurrency} runs). For 1, 4 and 16 threads, each on a file of
 * its own: 4 KB random overwrites + fdatasync for a fixed time, then 1 MB sequential writes
 * into a new file with one fdatasync at the end; over a FileVolume and over the same kind of
 * volume with a delay added to every request ({@link DelayedVolume}, the network hop of the
 * replicated volume), after one uncounted warm-up cell. The last line is
 * {@code scaling_16_vs_1=.. slowvol_scaling_16_vs_1=..}:
 * 4 KB write+fdatasync throughput at 16 threads over 1 thread, per volume.
 */
@Command(name = "bench-concurrency", hidden = true, mixinStandardHelpOptions = true,
        description = "Benchmark libpfs with 1, 4 and 16 threads over a FileVolume in DIR and over a delayed one.")
public final class ConcurrencyBenchCommand extends BaseCommand {
    private static final int SMALL = 4096;
    private static final int LARGE = 1 << 20;
    private static final int[] THREADS = {1, 4, 16};

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Scratch directory on the disk to measure.")
    private Path dir;

    @Option(names = "--seconds", paramLabel = "N", defaultValue = "3",
            description = "Seconds of random writes per thread count (default: ${DEFAULT-VALUE}).")
    private double seconds;

    @Option(names = "--file-size", paramLabel = "SIZE", defaultValue = "16M", converter = SizeConverter.class,
            description = "Size of each thread's random-write file (default: ${DEFAULT-VALUE}).")
    private long fileSize;

    @Option(names = "--seq-size", paramLabel = "SIZE", defaultValue = "32M", converter = SizeConverter.class,
            description = "Bytes each thread writes sequentially (default: ${DEFAULT-VALUE}).")
    private long seqSize;

    @Option(names = "--delay-us", paramLabel = "N", defaultValue = "200",
            description = "Microseconds the slow volume adds to every request (default: ${DEFAULT-VALUE}).")
    private int delayMicros;

    /** Throughput of one cell of the table. */
    private record Cell(double randOps, double seqMibs) {
    }

    @Override
    protected ExitStatus run() throws CliException, IOException {
        if (!Files.isDirectory(dir)) {
            throw Failures.usage("--dir " + dir + " is not a directory");
        }
        if (seconds <= 0 || fileSize % LARGE != 0 || fileSize < LARGE || seqSize % LARGE != 0 || seqSize < LARGE
                || delayMicros < 0) {
            throw Failures.usage("need --seconds > 0, --file-size and --seq-size multiples of 1M, --delay-us >= 0");
        }
        PrintWriter out = out();
        out.printf("pfs bench-concurrency in %s (%s): per thread a %s random-write file, %s sequential; %.1f s per cell%n",
                dir, Files.getFileStore(dir).type(), ByteSize.human(fileSize), ByteSize.human(seqSize), seconds);
        out.printf("%n%-34s %8s %18s %16s%n", "volume", "threads", "4K write+fdsync/s", "1M seq MiB/s");
        // One cell not counted, so that the JIT has compiled libpfs's paths before the first row.
        measure(THREADS[1], 0);
        double[] scaling = new double[2];
        for (int slow = 0; slow < 2; slow++) {
            Cell[] cells = new Cell[THREADS.length];
            for (int k = 0; k < THREADS.length; k++) {
                cells[k] = measure(THREADS[k], slow == 1 ? delayMicros * 1000L : 0);
                out.printf(Locale.ROOT, "%-34s %8d %18.0f %16.1f%n",
                        slow == 1 ? "FileVolume + " + delayMicros + " us/request" : "FileVolume",
                        THREADS[k], cells[k].randOps, cells[k].seqMibs);
                out.flush();
            }
            scaling[slow] = cells[THREADS.length - 1].randOps / cells[0].randOps;
            out.printf(Locale.ROOT, "%-34s %8s %18.2f %16.2f%n", "  16 vs 1 threads", "",
                    scaling[slow], cells[THREADS.length - 1].seqMibs / cells[0].seqMibs);
        }
        out.printf(Locale.ROOT, "scaling_16_vs_1=%.2f slowvol_scaling_16_vs_1=%.2f%n", scaling[0], scaling[1]);
        return ExitStatus.OK;
    }

    /** One cell: a fresh volume, {@code threads} writers. */
    private Cell measure(int threads, long delayNanos) throws IOException {
        Path image = dir.resolve("concurrency.img");
        Files.deleteIfExists(image);
        long size = threads * (fileSize + seqSize) + (256L << 20);
        FileVolume.create(image, size).close();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (FileVolume file = FileVolume.open(image, true, FileVolume.CALLER_THREAD)) {
            BlockVolume volume = delayNanos > 0 ? new DelayedVolume(file, delayNanos) : file;
            Pfs.mkfs(volume, MkfsOptions.defaults());
            try (Pfs pfs = Pfs.mount(volume, MountOptions.readWrite(0))) {
                long[] fds = new long[threads];
                for (int t = 0; t < threads; t++) {
                    fds[t] = pfs.open("/random-" + t, OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_DIRECT, 0644);
                    ByteBuffer large = aligned(LARGE);
                    for (long off = 0; off < fileSize; off += LARGE) {
                        pfs.pwrite(fds[t], large.clear(), off);
                    }
                    pfs.fsync(fds[t]);
                }
                long deadline = (long) (seconds * 1e9);
                long[] ops = new long[threads];
                long randNanos = parallel(pool, threads, t -> {
                    ByteBuffer small = aligned(SMALL);
                    SplittableRandom random = new SplittableRandom(t + 1);
                    long blocks = fileSize / SMALL;
                    long start = System.nanoTime();
                    while (System.nanoTime() - start < deadline) {
                        pfs.pwrite(fds[t], small.clear(), random.nextLong(blocks) * SMALL);
                        pfs.fdatasync(fds[t]);
                        ops[t]++;
                    }
                });
                long seqNanos = parallel(pool, threads, t -> {
                    ByteBuffer large = aligned(LARGE);
                    long fd = pfs.open("/seq-" + t, OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_DIRECT, 0644);
                    for (long off = 0; off < seqSize; off += LARGE) {
                        pfs.pwrite(fd, large.clear(), off);
                    }
                    pfs.fdatasync(fd);
                    pfs.close(fd);
                });
                for (long fd : fds) {
                    pfs.close(fd);
                }
                long total = 0;
                for (long n : ops) {
                    total += n;
                }
                return new Cell(total / (randNanos / 1e9),
                        threads * (double) seqSize / LARGE / (seqNanos / 1e9));
            }
        } finally {
            pool.shutdownNow();
            Files.deleteIfExists(image);
        }
    }

    /** What one thread does. */
    private interface Work {
        void run(int thread) throws PfsException;
    }

    /** @return nanoseconds from the common start until the last thread finished */
    private static long parallel(ExecutorService pool, int threads, Work work) throws IOException {
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        List<Future<Long>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Callable<Long> c = () -> {
                start.await();
                work.run(id);
                return System.nanoTime();
            };
            done.add(pool.submit(c));
        }
        try {
            start.await();
            long begin = System.nanoTime();
            long end = begin;
            for (Future<Long> f : done) {
                end = Math.max(end, f.get());
            }
            return end - begin;
        } catch (Exception e) {
            throw new IOException("a benchmark thread failed: " + e.getMessage(), e);
        }
    }

    private static ByteBuffer aligned(int size) {
        ByteBuffer buf = ByteBuffer.allocateDirect(size + 4096).alignedSlice(4096);
        buf.limit(size);
        for (int i = 0; i < size; i++) {
            buf.put(i, (byte) (i * 31 + 7));
        }
        return buf;
    }
}
