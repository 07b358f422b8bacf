package dev.pfs.chunkserver.bench;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/** The timed write load both chunkserver benchmarks drive: one thread per outstanding write. */
final class WriteLoad {
    /** The region the writes land in; the benchmarks lay it out sequentially first. */
    static final long REGION = 512L << 20;

    private WriteLoad() {
    }

    /** One measured run: operations, bytes, seconds, per-op latencies in ns. */
    record Result(long ops, long bytes, double seconds, long[] latencies) {
        double iops() {
            return ops / seconds;
        }

        double mbps() {
            return bytes / seconds / (1 << 20);
        }

        double meanMicros() {
            return Arrays.stream(latencies).average().orElse(0) / 1000;
        }

        double pctMicros(double p) {
            long[] s = latencies.clone();
            Arrays.sort(s);
            return s.length == 0 ? 0 : s[(int) Math.min(s.length - 1, p * s.length)] / 1000.0;
        }
    }

    interface Writer {
        void write(int thread, long offset, ByteBuffer data) throws Exception;
    }

    /** What one load thread does; {@code thread} counts from 0. */
    private interface Body {
        void run(int thread) throws Exception;
    }

    /** Runs {@code body} on {@code depth} threads and waits for them; rethrows a failure of any. */
    private static void onThreads(int depth, Body body) throws Exception {
        Thread[] threads = new Thread[depth];
        Exception[] failure = new Exception[1];
        for (int t = 0; t < depth; t++) {
            int id = t;
            threads[t] = Thread.ofPlatform().start(() -> {
                try {
                    body.run(id);
                } catch (Exception e) {
                    failure[0] = e;
                }
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    /**
     * Writes the whole region once, in 1 MB writes from {@code depth} threads, unmeasured, as fio
     * writes its file in full before its loads, so that the random loads overwrite written blocks
     * on both sides. The sequential load alone covered the region only on a fast disk: at the
     * 30 MB/s measured on 2026-12-07 its 8 s ramp and 6 s run come to about 420 MB of the 512, so
     * the random loads after it met blocks never written (each first write allocates a block,
     * which the store logs).
     */
    static void fill(int depth, Writer w) throws Exception {
        int size = 1 << 20;
        AtomicLong next = new AtomicLong();
        onThreads(depth, id -> {
            ByteBuffer buf = Arena.ofAuto().allocate(size, 4096).asByteBuffer();
            for (long off; (off = next.getAndAdd(size)) < REGION; ) {
                buf.clear();
                buf.putLong(0, off);
                w.write(id, off, buf);
            }
        });
    }

    /**
     * Runs {@code depth} threads of writes of {@code size} bytes, sequential or at random aligned
     * offsets in the first 512 MB: first for {@code rampSeconds} unmeasured (as fio's
     * ramp_time), then for {@code seconds} with each op timed. The ramp is there for the JIT: on
     * two cores shared by four JVMs, C1 and C2 were still compiling the servers' write path 20 s
     * into a run, and three replicating servers measured a QD1 p50 of 5.0 ms when the QD1 run
     * began 15 s into the load and 0.75 ms when it began 60 s in (mine, 2026-12-02).
     */
    static Result run(int depth, int size, boolean sequential, double rampSeconds, double seconds, Writer w)
            throws Exception {
        long measureFrom = System.nanoTime() + (long) (rampSeconds * 1e9);
        long end = measureFrom + (long) (seconds * 1e9);
        AtomicLong ops = new AtomicLong();
        AtomicLong seq = new AtomicLong();
        long[][] lat = new long[depth][];
        onThreads(depth, id -> {
            ByteBuffer buf = Arena.ofAuto().allocate(size, 4096).asByteBuffer();
            long[] mine = new long[1 << 20];
            int n = 0;
            try {
                while (System.nanoTime() < end) {
                    long off = sequential ? seq.getAndAdd(size) % REGION
                            : ThreadLocalRandom.current().nextLong(REGION / size) * size;
                    buf.clear();
                    buf.putLong(0, off);
                    long t0 = System.nanoTime();
                    w.write(id, off, buf);
                    if (t0 >= measureFrom) {
                        if (n < mine.length) {
                            mine[n++] = System.nanoTime() - t0;
                        }
                        ops.incrementAndGet();
                    }
                }
            } finally {
                lat[id] = Arrays.copyOf(mine, n);
            }
        });
        double secs = (System.nanoTime() - measureFrom) / 1e9;
        long[] all = Arrays.stream(lat).flatMapToLong(Arrays::stream).toArray();
        return new Result(ops.get(), ops.get() * size, secs, all);
    }
}
