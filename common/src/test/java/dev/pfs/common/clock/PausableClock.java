package dev.pfs.common.clock;

import java.util.function.LongSupplier;

/**
 * One host's nanosecond clock that can stop while the other hosts' clocks run on: a laptop
 * suspending, a VM paused by its hypervisor, a process stopped with SIGSTOP. All hosts read
 * the same source (simulated or real time); a paused host reads the instant it stopped.
 *
 * <p>What a host sees when it resumes depends on the clock it uses: {@link Kind#MONOTONIC}
 * (Linux CLOCK_MONOTONIC) carries on from where it stopped, so the pause is missing from it
 * and the host believes less time passed than did; {@link Kind#BOOTTIME} (CLOCK_BOOTTIME)
 * jumps to the source's time, counting the pause. Thread-safe.
 */
public final class PausableClock implements LongSupplier {
    /** Which Linux clock the host reads. */
    public enum Kind {
        /** Stops during suspend or a VM pause: resumes where it stopped. */
        MONOTONIC,
        /** Counts suspended time: resumes at the source's time. */
        BOOTTIME
    }

    private final LongSupplier source;
    private final Kind kind;
    private long lost;
    private long pausedAt;
    private boolean paused;

    /**
     * @param source the time every host shares, in nanoseconds (a simulated clock, or
     *               {@code System::nanoTime})
     * @param kind   what the host sees after a pause
     */
    public PausableClock(LongSupplier source, Kind kind) {
        this.source = source;
        this.kind = kind;
    }

    /** Stops this host's clock (its threads are assumed stopped too); no-op if already paused. */
    public synchronized void pause() {
        if (!paused) {
            pausedAt = source.getAsLong();
            paused = true;
        }
    }

    /** Lets this host's clock run again: a MONOTONIC clock has lost the pause, a BOOTTIME one has not. */
    public synchronized void resume() {
        if (paused) {
            if (kind == Kind.MONOTONIC) {
                lost += source.getAsLong() - pausedAt;
            }
            paused = false;
        }
    }

    /** @return whether the clock is stopped */
    public synchronized boolean isPaused() {
        return paused;
    }

    @Override
    public synchronized long getAsLong() {
        return (paused ? pausedAt : source.getAsLong()) - lost;
    }
}
