package dev.pfs.core.paxos;

import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the RW holder's lease alive: an agent whose {@link #doWork()} renews the lease every
 * {@link RwElection#renewIntervalNanos()} on the election's clock. It never sleeps; the RW
 * mount runs it on a thread with an idle strategy, a test calls it after advancing its clock.
 *
 * <p>A failed renewal is retried a few times within the interval. Once the lease is lost
 * (another host took over, or it ran out because renewals kept failing) the keeper tells its
 * listener once and stops: the mount must stop writing and turn read-only or unmount.
 */
public final class LeaseKeeper {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);

    private final RwElection election;
    private final Consumer<PaxosException> onLost;
    private long lastAttempt;
    private boolean attempted;
    private boolean stopped;

    /**
     * @param election the election of a host that acquired the volume
     * @param onLost   told once, from {@link #doWork()}, when the lease is lost
     */
    public LeaseKeeper(RwElection election, Consumer<PaxosException> onLost) {
        this.election = election;
        this.onLost = onLost;
    }

    /** @return the name of this agent for thread names and logs */
    public String roleName() {
        return "pfs-lease-keeper-host-" + election.hostId();
    }

    /** @return whether the keeper still keeps a lease (false once it was lost) */
    public boolean isKeeping() {
        return !stopped;
    }

    /**
     * Renews the lease if a renewal is due.
     *
     * @return 1 if it tried to renew, 0 if nothing was due
     */
    public int doWork() {
        if (stopped) {
            return 0;
        }
        long now = election.now();
        long interval = election.renewIntervalNanos();
        boolean due = now - election.leaseStartNanos() >= interval;
        boolean retryDue = !attempted || now - lastAttempt >= interval / 4;
        if (!due || !retryDue) {
            return 0;
        }
        attempted = true;
        lastAttempt = now;
        try {
            election.renew();
        } catch (PaxosException e) {
            if (e.reason() == PaxosException.Reason.LOST) {
                stopped = true;
                LOG.warn("{}: {}", roleName(), e.getMessage());
                onLost.accept(e);
            } else {
                LOG.warn("{}: renewal failed, retrying while the lease lasts: {}", roleName(), e.getMessage());
            }
        }
        return 1;
    }
}
