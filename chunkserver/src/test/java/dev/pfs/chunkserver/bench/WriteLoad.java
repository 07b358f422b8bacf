package dev.pfs.chunkserver.bench;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * The timed write load both chunkserver benchmarks drive: {@code depth} writes kept in flight
 * by one submitter, as fio's libaio engine keeps its iodepth, each completion issuing the next
 * write from the thread that completed it.
 *
 * <p>Not one blocked thread per outstanding write: measured 2026-12-07 (mine), 32 such threads
 * took 65-80 % of one of the machine's two cores at QD32, as much as the chunkserver itself, and
 * each write paid a wake-up of its thread on top of the server's work. The clients the
 * chunkserver serves (the switch, a replication leader, {@code ReplicatedVolume}) complete
 * writes on their event loops in the same way.
 */
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

    /** Starts one write of {@code data} at {@code offset}; data stays untouched until it completes. */
    interface Writer {
        CompletableFuture<?> write(long offset, ByteBuffer data);
    }

    /**
     * One slot of the load: its own buffer and latency record, and at most one write in flight,
     * so its fields are touched by one completion at a time (each completion happens-after the
     * write that the previous one issued).
     */
    private static final class Slot {
        final ByteBuffer buffer;
        final long[] latencies = new long[1 << 20];
        int measured;
        long startedAt;

        Slot(int size) {
            buffer = Arena.ofAuto().allocate(size, 4096).asByteBuffer();
        }
    }

    /** A run of writes from {@code depth} slots until {@code offsets} returns -1 or time runs out. */
    private static final class Run {
        final Writer writer;
        final LongSupplier offsets;
        final long measureFrom;
        final long end;
        final Slot[] slots;
        final CountDownLatch finished;
        final AtomicLong ops = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Run(Writer writer, int depth, int size, LongSupplier offsets, long measureFrom, long end) {
            this.writer = writer;
            this.offsets = offsets;
            this.measureFrom = measureFrom;
            this.end = end;
            slots = new Slot[depth];
            for (int i = 0; i < depth; i++) {
                slots[i] = new Slot(size);
            }
            finished = new CountDownLatch(depth);
        }

        void start() throws Exception {
            for (Slot s : slots) {
                issue(s);
            }
            finished.await();
            Throwable t = failure.get();
            if (t instanceof Exception e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException(t);
            }
        }

        /** Issues the slot's next write; one that completes at once is counted here, not by recursion. */
        private void issue(Slot s) {
            while (true) {
                long offset = offsets.getAsLong();
                if (offset < 0 || System.nanoTime() >= end || failure.get() != null) {
                    finished.countDown();
                    return;
                }
                s.buffer.clear();
                s.buffer.putLong(0, offset);
                s.startedAt = System.nanoTime();
                CompletableFuture<?> f;
                try {
                    f = writer.write(offset, s.buffer);
                } catch (RuntimeException e) {
                    f = CompletableFuture.failedFuture(e);
                }
                if (!f.isDone()) {
                    f.whenComplete((v, t) -> {
                        if (counted(s, t)) {
                            issue(s);
                        }
                    });
                    return;
                }
                Throwable t = f.state() == Future.State.SUCCESS ? null : f.exceptionNow();
                if (!counted(s, t)) {
                    return;
                }
            }
        }

        /** Counts the slot's completed write; false (and the slot finished) if it failed. */
        private boolean counted(Slot s, Throwable t) {
            if (t != null) {
                failure.compareAndSet(null, t);
                finished.countDown();
                return false;
            }
            long now = System.nanoTime();
            if (s.startedAt >= measureFrom) {
                if (s.measured < s.latencies.length) {
                    s.latencies[s.measured++] = now - s.startedAt;
                }
                ops.incrementAndGet();
            }
            return true;
        }

        long[] latencies() {
            return Arrays.stream(slots).flatMapToLong(s -> Arrays.stream(s.latencies, 0, s.measured)).toArray();
        }
    }

    /**
     * Writes the whole region once, in 1 MB writes, {@code depth} at a time, unmeasured, as fio
     * writes its file in full before its loads, so that the random loads overwrite written blocks
     * on both sides. The sequential load alone covered the region only on a fast disk: at the
     * 30 MB/s measured on 2026-12-07 its 8 s ramp and 6 s run come to about 420 MB of the 512, so
     * the random loads after it met blocks never written (each first write allocates a block,
     * which the store logs).
     */
    static void fill(int depth, Writer w) throws Exception {
        int size = 1 << 20;
        AtomicLong next = new AtomicLong();
        LongSupplier offsets = () -> {
            long off = next.getAndAdd(size);
            return off < REGION ? off : -1;
        };
        new Run(w, depth, size, offsets, Long.MAX_VALUE, Long.MAX_VALUE).start();
    }

    /**
     * Runs writes of {@code size} bytes, {@code depth} in flight, sequential or at random aligned
     * offsets in the first 512 MB: first for {@code rampSeconds} unmeasured (as fio's
     * ramp_time), then for {@code seconds} with each op timed from its submission to its
     * completion. The ramp is there for the JIT: on two cores shared by four JVMs, C1 and C2
     * were still compiling the servers' write path 20 s into a run, and three replicating servers
     * measured a QD1 p50 of 5.0 ms when the QD1 run began 15 s into the load and 0.75 ms when it
     * began 60 s in (mine, 2026-12-02).
     */
    static Result run(int depth, int size, boolean sequential, double rampSeconds, double seconds, Writer w)
            throws Exception {
        long measureFrom = System.nanoTime() + (long) (rampSeconds * 1e9);
        long end = measureFrom + (long) (seconds * 1e9);
        AtomicLong seq = new AtomicLong();
        LongSupplier offsets = sequential ? () -> seq.getAndAdd(size) % REGION
                : () -> ThreadLocalRandom.current().nextLong(REGION / size) * size;
        Run run = new Run(w, depth, size, offsets, measureFrom, end);
        run.start();
        double secs = (System.nanoTime() - measureFrom) / 1e9;
        return new Result(run.ops.get(), run.ops.get() * size, secs, run.latencies());
    }
}
