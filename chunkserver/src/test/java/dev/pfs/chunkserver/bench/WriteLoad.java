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

    /**
     * Runs {@code depth} threads of writes of {@code size} bytes, sequential or at random aligned
     * offsets in the first 512 MB, for {@code seconds}, each op timed.
     */
    static Result run(int depth, int size, boolean sequential, double seconds, Writer w) throws Exception {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        AtomicLong ops = new AtomicLong();
        AtomicLong seq = new AtomicLong();
        long[][] lat = new long[depth][];
        Thread[] threads = new Thread[depth];
        Exception[] failure = new Exception[1];
        long start = System.nanoTime();
        for (int t = 0; t < depth; t++) {
            int id = t;
            threads[t] = Thread.ofPlatform().start(() -> {
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
                        if (n < mine.length) {
                            mine[n++] = System.nanoTime() - t0;
                        }
                        ops.incrementAndGet();
                    }
                } catch (Exception e) {
                    failure[0] = e;
                }
                lat[id] = Arrays.copyOf(mine, n);
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        double secs = (System.nanoTime() - start) / 1e9;
        long[] all = Arrays.stream(lat).flatMapToLong(Arrays::stream).toArray();
        return new Result(ops.get(), ops.get() * size, secs, all);
    }
}
