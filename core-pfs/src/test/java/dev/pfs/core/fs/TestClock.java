package dev.pfs.core.fs;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** A nanosecond clock that follows real time until frozen, then advances 1 ns per read. */
final class TestClock implements LongSupplier {
    private final AtomicLong frozenAt = new AtomicLong();
    private volatile boolean frozen;

    /** Stops the clock at the current real time. */
    void freeze() {
        frozenAt.set(System.nanoTime());
        frozen = true;
    }

    @Override
    public long getAsLong() {
        return frozen ? frozenAt.incrementAndGet() : System.nanoTime();
    }
}
