package dev.pfs.core.fs;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A lease clock that follows real time until {@link #freeze()} (so that an election can wait
 * out a lease), then moves only when a test calls {@link #advance}.
 */
final class SteppedClock implements LongSupplier {
    private final AtomicLong at = new AtomicLong();
    private volatile boolean frozen;

    /** Stops following real time. */
    void freeze() {
        at.set(System.nanoTime());
        frozen = true;
    }

    /** Moves a frozen clock forward. */
    void advance(long nanos) {
        at.addAndGet(nanos);
    }

    @Override
    public long getAsLong() {
        return frozen ? at.get() : System.nanoTime();
    }
}
