package dev.pfs.parallelraft;

/** The last events of a run, kept cheaply and printed only when a checker fails. */
final class SimTrace {

    private final long[] times;
    private final Object[] what;
    private long count;

    SimTrace(int size) {
        times = new long[size];
        what = new Object[size];
    }

    void add(long time, Object event) {
        int k = (int) (count++ % times.length);
        times[k] = time;
        what[k] = event;
    }

    String render() {
        StringBuilder b = new StringBuilder();
        long from = Math.max(0, count - times.length);
        b.append("... ").append(from).append(" earlier events\n");
        for (long i = from; i < count; i++) {
            int k = (int) (i % times.length);
            b.append(String.format("%10d us  %s%n", times[k], what[k]));
        }
        return b.toString();
    }
}
