package dev.pfs.chunkserver.replication;

import dev.pfs.parallelraft.Mode;
import dev.pfs.parallelraft.RaftConfig;

/** The ParallelRaft settings of a chunk's group. */
final class RaftSettings {
    /** Entries per APPEND: with writes of at most {@link #MAX_WRITE} bytes an APPEND stays well inside one frame. */
    static final int MAX_BATCH = 4;
    /** Largest write one entry carries; the client splits larger ones. */
    static final int MAX_WRITE = 128 * 1024;
    /**
     * ParallelRaft, or strict Raft when the JVM runs with {@code -Dpfs.replication.mode=strict}:
     * a server-wide switch for scripts/bench/replicated-vs-disk until the mode is chosen per
     * volume. Every server of a group must run with the same setting.
     */
    private static final Mode MODE = "strict".equalsIgnoreCase(System.getProperty("pfs.replication.mode"))
            ? Mode.STRICT : Mode.PARALLEL;

    private RaftSettings() {
    }

    /**
     * @return {@link #MODE} (ParallelRaft by default) with a look-behind of 2, elections after
     *         10-20 ticks, heartbeats every 2, 16 APPENDs in flight per follower, pre-vote and
     *         check-quorum on, one LBA per sector
     */
    static RaftConfig config(int self, GroupSpec spec) {
        return new RaftConfig(self, spec.ids(), MODE, 2, 10, 2, 16, MAX_BATCH, true, true,
                spec.size() / ReplicaGroup.SECTOR, spec.chunkId() * 31 + self, false);
    }
}
