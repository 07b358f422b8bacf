package dev.pfs.pswitch.server;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * The switch agent's idle strategy: Agrona's backoff (spin, yield, park up to 1 ms) while work
 * may come soon, and after {@link #SLEEP_AFTER_NANOS} without work and nothing in flight, a
 * deep sleep until a client rings the doorbell or {@link #SLEEP_NANOS} pass (for heartbeat
 * checks). Before sleeping the agent raises every client's asleep flag and looks at every
 * ring once more; a client commits, fences, then reads the flag: one of them sees the other,
 * so no request is left behind a sleeping switch.
 */
final class DoorbellIdleStrategy implements IdleStrategy {
    /** Idle this long (with nothing in flight) before sleeping. */
    static final long SLEEP_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** The longest sleep: the heartbeat check's granularity when idle. */
    static final long SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final BackoffIdleStrategy backoff = new BackoffIdleStrategy(100, 100, 1_000,
            TimeUnit.MILLISECONDS.toNanos(1));
    private final SwitchAgent agent;
    private long idleSince;
    private volatile Thread sleeper;
    private volatile Thread agentThread;

    DoorbellIdleStrategy(SwitchAgent agent) {
        this.agent = agent;
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            reset();
        } else {
            idle();
        }
    }

    @Override
    public void idle() {
        if (agentThread == null) {
            agentThread = Thread.currentThread();
        }
        long now = System.nanoTime();
        if (idleSince == 0) {
            idleSince = now;
        }
        if (now - idleSince < SLEEP_AFTER_NANOS) {
            backoff.idle();
            return;
        }
        sleeper = Thread.currentThread();
        if (agent.prepareSleep()) {
            LockSupport.parkNanos(this, SLEEP_NANOS);
        }
        sleeper = null;
        agent.awake();
    }

    @Override
    public void reset() {
        backoff.reset();
        idleSince = 0;
    }

    /**
     * Cuts the agent's backoff park short: a completion just went out and its client will
     * likely post again at once. Any thread; costs nothing when the agent is not parked.
     */
    void nudge() {
        Thread t = agentThread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Wakes the agent if it sleeps (a doorbell, a new client). Any thread. */
    void wake() {
        Thread t = sleeper;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
