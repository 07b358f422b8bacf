package dev.pfs.chunkserver.store;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.agrona.concurrent.IdleStrategy;

/**
 * An idle strategy that costs nothing while idle: with no work the agent thread parks until a
 * producer calls {@link #wake} after queueing work. No timed wake-ups, no spinning: a local
 * cluster runs three chunkservers, a switch and a database on two cores. The producer writes
 * the queue before it reads {@code parked}; the agent writes {@code parked} before it looks at
 * the queue once more: one of them sees the other, so no request is left behind a parked agent.
 */
final class WakeableIdleStrategy implements IdleStrategy {
    private final BooleanSupplier hasWork;
    private volatile Thread parked;

    /** @param hasWork whether work is queued (checked once more before parking) */
    WakeableIdleStrategy(BooleanSupplier hasWork) {
        this.hasWork = hasWork;
    }

    @Override
    public void idle(int workCount) {
        if (workCount == 0) {
            idle();
        }
    }

    /** Parks until woken; the caller polls again either way (a wake may come before the park). */
    @Override
    public void idle() {
        parked = Thread.currentThread();
        if (!hasWork.getAsBoolean()) {
            LockSupport.park(this);
        }
        parked = null;
    }

    @Override
    public void reset() {
    }

    /** Wakes the agent if it is parked (or about to park). Safe from any thread. */
    void wake() {
        Thread t = parked;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
