package dev.pfs.core.paxos;

/**
 * The leader record of a volume's paxos region: who holds the volume read-write, at which
 * epoch, its heartbeat and the journal anchor it last published. Only the RW holder writes it.
 *
 * @param epoch         the epoch granted to the holder, 0 if the volume was never held
 * @param hostId        the holder's host id (1-based), 0 if never held
 * @param heartbeat     a counter the holder bumps with every write of the record
 * @param journalAnchor the journal position RO mounts replay up to, as published by the RW
 * @param released      whether the holder handed the volume back (another may take over at once)
 * @param leaseNanos    the holder's lease; contenders wait at least this long for a silent holder
 * @param seq           orders the two on-disk copies of the record
 */
public record LeaderRecord(long epoch, int hostId, long heartbeat, long journalAnchor, boolean released,
                           long leaseNanos, long seq) {

    /** The record {@link RwElection#format} writes: never held. */
    public static final LeaderRecord NEVER_HELD = new LeaderRecord(0, 0, 0, 0, false, 0, 0);

    /** @return whether a host holds (or held until it died) the volume read-write */
    public boolean held() {
        return epoch > 0 && !released;
    }

    /** @return a copy with a new heartbeat, anchor, released flag and seq */
    LeaderRecord next(long newSeq, long newAnchor, boolean nowReleased) {
        return new LeaderRecord(epoch, hostId, heartbeat + 1, newAnchor, nowReleased, leaseNanos, newSeq);
    }

    /** @return "host 3 (epoch 7)", or "no host" */
    public String holder() {
        return epoch == 0 ? "no host" : "host " + hostId + " (epoch " + epoch + ")";
    }
}
