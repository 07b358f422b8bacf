package dev.pfs.cli.bench;

import java.util.Arrays;

/** Recorded latencies in nanoseconds, with nearest-rank percentiles. */
final class Latencies {
    private long[] samples = new long[1024];
    private int count;

    /** Records one sample. */
    void add(long nanos) {
        if (count == samples.length) {
            samples = Arrays.copyOf(samples, count * 2);
        }
        samples[count++] = nanos;
    }

    /** @return the {@code p}-th percentile (0 < p <= 100) in nanoseconds */
    long percentile(double p) {
        if (count == 0) {
            throw new IllegalStateException("no samples");
        }
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * count);
        return sorted[Math.max(0, Math.min(count - 1, rank - 1))];
    }

    /** @return the number of samples */
    int count() {
        return count;
    }
}
