package dev.pfs.chunkserver.replication;

import dev.pfs.parallelraft.RaftConfig;

/** The ParallelRaft settings of a chunk's group. */
final class RaftSettings {
    /** Entries per APPEND: with writes of at most {@link #MAX_WRITE} bytes an APPEND stays well inside one frame. */
    static final int MAX_BATCH = 4;
    /** Largest write one entry carries; the client splits larger ones. */
    static final int MAX_WRITE = 128 * 1024;
    private RaftSettings() {
    }

    /**
     * @return the group's mode (its volume's) with a look-behind of 2, elections after
     *         10-20 ticks, heartbeats every 2, 16 APPENDs in flight per follower, pre-vote and
     *         check-quorum on, one LBA per sector
     */
    static RaftConfig config(int self, GroupSpec spec) {
        return new RaftConfig(self, spec.voters(), spec.mode(), 2, 10, 2, 16, MAX_BATCH, true, true,
                spec.size() / ReplicaGroup.SECTOR, spec.chunkId() * 31 + self, false);
    }
}
