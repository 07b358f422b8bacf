package dev.pfs.core.paxos;

/**
 * One host's Disk Paxos block: the ballots and accepted value of that host for one Paxos
 * instance. Instance {@code e} decides which host gets epoch {@code e}.
 *
 * @param hostId   the host owning the block (the only one that writes it)
 * @param seq      orders the two on-disk copies of the block
 * @param instance the epoch being decided, 0 if the host never took part
 * @param mbal     the highest ballot the host started (the paper's mbal)
 * @param bal      the ballot at which it accepted {@code (inpHost, inpEpoch)}, 0 if none
 * @param inpHost  the host of the accepted value, 0 if none
 * @param inpEpoch the epoch of the accepted value (= instance), 0 if none
 */
public record DiskBlock(int hostId, long seq, long instance, long mbal, long bal, int inpHost, long inpEpoch) {

    /** @return the block {@link RwElection#format} writes for {@code hostId} */
    public static DiskBlock empty(int hostId) {
        return new DiskBlock(hostId, 0, 0, 0, 0, 0, 0);
    }
}
