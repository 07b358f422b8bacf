package dev.pfs.chunkserver.bench;

import dev.pfs.chunkserver.client.ChunkClient;
import dev.pfs.nativeio.LinuxIo;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The chunkserver on loopback against the bare disk, in one run: 4 KB random writes with FUA at
 * iodepth 1 and 32, and 1 MB sequential writes at iodepth 4. The disk side is a Java harness
 * writing a preallocated file on the same disk with O_DIRECT | O_DSYNC from as many threads as
 * the iodepth, which is what fio's psync engine with {@code sync=1} does.
 *
 * <p>Usage: {@code ChunkServerVsDisk <host:port> <disk-file> <seconds-per-test>}. The last
 * line is {@code qd1_latency_ratio=<cs/disk> qd32_iops_ratio=<cs/disk> seq_write_ratio=<cs/disk>}.
 */
public final class ChunkServerVsDisk {
    private static final long REGION = 512L << 20;
    private static final int O_DSYNC = 010000;

    private ChunkServerVsDisk() {
    }

    /** One measured run: operations, bytes, seconds, per-op latencies in ns. */
    private record Result(long ops, long bytes, double seconds, long[] latencies) {
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

    private interface Writer {
        void write(int thread, long offset, ByteBuffer data) throws Exception;
    }

    private static Result run(int depth, int size, boolean sequential, double seconds, Writer w) throws Exception {
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
                ThreadLocalRandom.current().nextBytes(new byte[0]);
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

    private static void print(String name, Result r) {
        System.out.printf("%-28s %10.0f IOPS %9.1f MB/s  mean %8.1f us  p50 %8.1f us  p99 %8.1f us%n", name,
                r.iops(), r.mbps(), r.meanMicros(), r.pctMicros(0.5), r.pctMicros(0.99));
    }

    /** Runs the comparison. */
    public static void main(String[] args) throws Exception {
        String[] hp = args[0].split(":");
        Path diskFile = Path.of(args[1]);
        double secs = Double.parseDouble(args[2]);
        int fd = LinuxIo.open(diskFile.toString(), LinuxIo.O_RDWR | LinuxIo.O_CREAT | LinuxIo.O_DIRECT | O_DSYNC, 0644);
        LinuxIo.fallocate(fd, 0, 0, REGION);
        LinuxIo.fsync(fd);
        Writer disk = (t, off, data) -> LinuxIo.pwrite(fd, MemorySegment.ofBuffer(data), data.remaining(), off);
        try (ChunkClient client = ChunkClient.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])))) {
            client.create(1, REGION).get();
            Writer cs = (t, off, data) -> client.write(1, 1, off, data, true).get();
            // Sequential first: it also allocates every block of the region on both sides.
            Result seqDisk = run(4, 1 << 20, true, secs, disk);
            Result seqCs = run(4, 1 << 20, true, secs, cs);
            Result qd1Disk = run(1, 4096, false, secs, disk);
            Result qd1Cs = run(1, 4096, false, secs, cs);
            Result qd32Disk = run(32, 4096, false, secs, disk);
            Result qd32Cs = run(32, 4096, false, secs, cs);
            print("disk 1M seq qd4 O_DSYNC", seqDisk);
            print("chunkserver 1M seq qd4 FUA", seqCs);
            print("disk 4K rand qd1 O_DSYNC", qd1Disk);
            print("chunkserver 4K rand qd1 FUA", qd1Cs);
            print("disk 4K rand qd32 O_DSYNC", qd32Disk);
            print("chunkserver 4K rand qd32 FUA", qd32Cs);
            System.out.printf("qd1_latency_ratio=%.2f qd32_iops_ratio=%.2f seq_write_ratio=%.2f%n",
                    qd1Cs.meanMicros() / qd1Disk.meanMicros(), qd32Cs.iops() / qd32Disk.iops(),
                    seqCs.mbps() / seqDisk.mbps());
        } finally {
            LinuxIo.close(fd);
        }
    }
}
