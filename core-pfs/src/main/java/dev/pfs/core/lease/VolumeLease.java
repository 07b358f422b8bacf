package dev.pfs.core.lease;

import dev.pfs.core.PfsException;

/**
 * A RW mount's exclusive hold on a volume, won by Disk Paxos: the epoch it writes with, the
 * journal anchor it publishes, its renewal, and its release at umount.
 */
public interface VolumeLease {
    /** @return the epoch every volume write of this mount carries */
    long epoch();

    /** @return whether the lease is still held by this host's own clock; writes stop when false */
    boolean valid();

    /** Publishes the journal anchor (the generation of the last checkpoint) to RO mounts. */
    void publishAnchor(long anchor) throws PfsException;

    /**
     * Renews the lease if a renewal is due.
     *
     * @return 1 if it tried, 0 if nothing was due
     * @throws PfsException EROFS once the lease was lost to another host or ran out
     */
    int renewIfDue() throws PfsException;

    /** Gives the volume up (best effort: a dead host's lease simply runs out). */
    void release();
}
