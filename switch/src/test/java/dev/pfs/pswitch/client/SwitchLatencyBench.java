package dev.pfs.pswitch.client;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * 4 KB FUA writes at queue depth 1 at random offsets ({@code writeAndWait}, as libpfs's journal
 * writes), through a switch and straight to the
 * same volume file (the in-process mode), alternating rounds so that both see the same disk:
 * {@code SwitchLatencyBench SOCKET VOLUME FILE WRITES_PER_ROUND ROUNDS}. Prints each path's
 * p50/p99/mean, then {@code switch_vs_inprocess_latency=<switch p50 / in-process p50>}.
 */
public final class SwitchLatencyBench {
    private SwitchLatencyBench() {
    }

    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        String name = args[1];
        Path file = Path.of(args[2]);
        int writes = Integer.parseInt(args[3]);
        int rounds = Integer.parseInt(args[4]);
        long[] viaSwitch = new long[writes * rounds];
        long[] inProcess = new long[writes * rounds];
        try (BlockVolume sw = SwitchVolume.connect(socket, name); BlockVolume local = FileVolume.open(file, true, 8)) {
            run(sw, new long[writes], 0, writes);
            run(local, new long[writes], 0, writes);
            for (int r = 0; r < rounds; r++) {
                run(sw, viaSwitch, r * writes, writes);
                run(local, inProcess, r * writes, writes);
            }
        }
        double s = report("switch", viaSwitch);
        double l = report("in-process", inProcess);
        System.out.printf("switch_vs_inprocess_latency=%.2f%n", s / l);
    }

    /** Times {@code count} writes into {@code out[from..from+count)}. */
    private static void run(BlockVolume v, long[] out, int from, int count) throws VolumeException {
        ByteBuffer buf = ByteBuffer.allocateDirect(4096);
        Random random = new Random(from);
        long blocks = v.size() / 4096;
        for (int i = 0; i < count; i++) {
            buf.clear();
            buf.putLong(0, i);
            long at = (random.nextLong() & Long.MAX_VALUE) % blocks * 4096;
            long t = System.nanoTime();
            v.writeAndWait(at, buf, BlockVolume.NO_EPOCH, true);
            out[from + i] = System.nanoTime() - t;
        }
    }

    private static double report(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        double p50 = sorted[sorted.length / 2] / 1000.0;
        double p99 = sorted[(int) (sorted.length * 0.99)] / 1000.0;
        double mean = Arrays.stream(sorted).average().orElse(0) / 1000.0;
        System.out.printf("%-10s 4K FUA QD1: p50 %.1f us  p99 %.1f us  mean %.1f us  (%d writes)%n", what, p50, p99,
                mean, sorted.length);
        return p50;
    }
}
