package dev.pfs.core.lease;

import dev.pfs.nativeio.LinuxClock;
import java.util.function.LongSupplier;

/** The clock leases are measured on outside tests. */
public final class LeaseClock {
    /**
     * CLOCK_BOOTTIME: keeps counting while the host is suspended, so a holder that wakes up
     * sees its lease gone (CLOCK_MONOTONIC, {@link System#nanoTime()}, would not).
     */
    public static final LongSupplier BOOTTIME = LinuxClock::boottimeNanos;

    private LeaseClock() {
    }
}
