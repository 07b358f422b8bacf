package dev.pfs.pswitch.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the switch counts, for its metrics and for the agent's idle strategy (a completion is
 * work: the client may post its next request right after it).
 */
final class SwitchCounters {
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong violations = new AtomicLong();
    private final AtomicLong refusals = new AtomicLong();
    private final AtomicLong attached = new AtomicLong();
    private final AtomicLong freed = new AtomicLong();
    private final AtomicLong staleHeartbeats = new AtomicLong();
    private final AtomicLong deniedAttaches = new AtomicLong();

    void completed() {
        completed.incrementAndGet();
    }

    long completedCount() {
        return completed.get();
    }

    void request() {
        requests.incrementAndGet();
    }

    long requestCount() {
        return requests.get();
    }

    void violation() {
        violations.incrementAndGet();
    }

    long violationCount() {
        return violations.get();
    }

    void refusal() {
        refusals.incrementAndGet();
    }

    long refusalCount() {
        return refusals.get();
    }

    void attached() {
        attached.incrementAndGet();
    }

    long attachedCount() {
        return attached.get();
    }

    void freed() {
        freed.incrementAndGet();
    }

    long freedCount() {
        return freed.get();
    }

    void staleHeartbeat() {
        staleHeartbeats.incrementAndGet();
    }

    long staleHeartbeatCount() {
        return staleHeartbeats.get();
    }

    void deniedAttach() {
        deniedAttaches.incrementAndGet();
    }

    long deniedAttachCount() {
        return deniedAttaches.get();
    }
}
