package dev.pfs.core.lease;

import dev.pfs.core.Errno;
import dev.pfs.core.PfsException;
import dev.pfs.core.paxos.LeaseKeeper;
import dev.pfs.core.paxos.PaxosException;
import dev.pfs.core.paxos.RwElection;

/** A {@link VolumeLease} won and kept with Disk Paxos ({@link RwElection}, {@link LeaseKeeper}). */
final class PaxosLease implements VolumeLease {
    private final RwElection election;
    private final LeaseKeeper keeper;
    private final long epoch;
    private volatile PaxosException lost;

    PaxosLease(RwElection election, long epoch) {
        this.election = election;
        this.epoch = epoch;
        this.keeper = new LeaseKeeper(election, e -> lost = e);
    }

    @Override
    public long epoch() {
        return epoch;
    }

    @Override
    public boolean valid() {
        return lost == null && election.holdsLease();
    }

    @Override
    public void publishAnchor(long anchor) throws PfsException {
        try {
            election.publishAnchor(anchor);
        } catch (PaxosException e) {
            throw Leases.toPfs(e);
        }
    }

    @Override
    public int renewIfDue() throws PfsException {
        int n = keeper.doWork();
        PaxosException e = lost;
        if (e != null) {
            throw new PfsException(Errno.EROFS, e.getMessage(), e);
        }
        return n;
    }

    @Override
    public void release() {
        election.release();
    }
}
