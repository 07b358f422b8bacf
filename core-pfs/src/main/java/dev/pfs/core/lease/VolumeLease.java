package dev.pfs.core.lease;

import dev.pfs.core.PfsException;

/**
 * A RW mount's exclusive hold on a volume, won by Disk Paxos: the epoch it writes with, the
 * journal anchor it publishes, and its release at umount.
 */
public interface VolumeLease {
    /** @return the epoch every volume write of this mount carries */
    long epoch();

    /** Publishes the journal anchor (the generation of the last checkpoint) to RO mounts. */
    void publishAnchor(long anchor) throws PfsException;

    /**
     * @return one unit of renewal work if the lease is due (0 if nothing was due)
     * @throws PfsException EROFS once the lease was lost to another host
     */
    int renewIfDue() throws PfsException;

    /** Gives the volume up (best effort: a dead host's lease simply runs out). */
    void release();
}
