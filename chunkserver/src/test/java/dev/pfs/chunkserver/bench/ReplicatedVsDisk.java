package dev.pfs.chunkserver.bench;

import dev.pfs.chunkserver.client.ChunkClient;
import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.common.volume.VolumeException;
import java.lang.foreign.Arena;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The chunkserver side of {@code scripts/bench/replicated-vs-disk}: over one unreplicated
 * chunkserver (a 512 MB chunk, {@link ChunkClient}) or over a replicated volume of four 128 MB
 * chunks on three chunkservers ({@link ReplicatedVolume}; chunk i's preferred leader is server
 * i+1, so leaders spread), 1 MB sequential FUA writes at iodepth 4, then 4 KB random FUA writes
 * at iodepth 1 and 32, each from as many threads as the iodepth. The disk side (fio) is the
 * script's.
 *
 * <p>Usage: {@code ReplicatedVsDisk single HOST:PORT SECONDS LABEL} or {@code ReplicatedVsDisk
 * replicated 1=HOST:PORT,2=HOST:PORT,3=HOST:PORT SECONDS LABEL}. The last line is {@code LABEL
 * seq_mbps=.. qd1_p50_us=.. qd1_p99_us=.. qd1_mean_us=.. qd32_iops=..}.
 */
public final class ReplicatedVsDisk {
    private static final long REGION = 512L << 20;
    private static final long CHUNK = 128L << 20;

    private ReplicatedVsDisk() {
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
        void write(long offset, ByteBuffer data) throws Exception;
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
                long[] mine = new long[1 << 20];
                int n = 0;
                try {
                    while (System.nanoTime() < end) {
                        long off = sequential ? seq.getAndAdd(size) % REGION
                                : ThreadLocalRandom.current().nextLong(REGION / size) * size;
                        buf.clear();
                        buf.putLong(0, off);
                        long t0 = System.nanoTime();
                        w.write(off, buf);
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

    private static Result measured(String name, int depth, int size, boolean sequential, double seconds, Writer w)
            throws Exception {
        Result r = run(depth, size, sequential, seconds, w);
        System.out.printf("%-36s %10.0f IOPS %9.1f MB/s  mean %8.1f us  p50 %8.1f us  p99 %8.1f us%n", name,
                r.iops(), r.mbps(), r.meanMicros(), r.pctMicros(0.5), r.pctMicros(0.99));
        return r;
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    /** Runs one side; see the class comment. */
    public static void main(String[] args) throws Exception {
        double secs = Double.parseDouble(args[2]);
        String label = args[3];
        Result seq;
        Result qd1;
        Result qd32;
        if (args[0].equals("single")) {
            try (ChunkClient client = ChunkClient.connect(address(args[1]))) {
                client.create(1, REGION).get();
                Writer w = (off, data) -> client.write(1, 1, off, data, true).get();
                // Sequential first: it also allocates every block of the region, as fio's file is written.
                seq = measured(label + " 1M seq qd4 FUA", 4, 1 << 20, true, secs, w);
                qd1 = measured(label + " 4K rand qd1 FUA", 1, 4096, false, secs, w);
                qd32 = measured(label + " 4K rand qd32 FUA", 32, 4096, false, secs, w);
            }
        } else {
            Map<Integer, InetSocketAddress> servers = new LinkedHashMap<>();
            for (String s : args[1].split(",")) {
                String[] kv = s.split("=", 2);
                servers.put(Integer.parseInt(kv[0]), InetSocketAddress.createUnresolved(address(kv[1]).getHostString(),
                        address(kv[1]).getPort()));
            }
            Placement p = Placement.spread("bench", 1, REGION, CHUNK, servers, servers.size());
            try (ReplicatedVolume v = ReplicatedVolume.open(p, Duration.ofSeconds(60), Duration.ofSeconds(10))) {
                Writer w = (off, data) -> VolumeException.await(v.write(off, data, 1, true));
                seq = measured(label + " 1M seq qd4 FUA", 4, 1 << 20, true, secs, w);
                qd1 = measured(label + " 4K rand qd1 FUA", 1, 4096, false, secs, w);
                qd32 = measured(label + " 4K rand qd32 FUA", 32, 4096, false, secs, w);
            }
        }
        System.out.printf("%s seq_mbps=%.1f qd1_p50_us=%.1f qd1_p99_us=%.1f qd1_mean_us=%.1f qd32_iops=%.0f%n", label,
                seq.mbps(), qd1.pctMicros(0.5), qd1.pctMicros(0.99), qd1.meanMicros(), qd32.iops());
    }
}
