package dev.pfs.chunkserver.replication;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** What a server's {@link ReplicationAgent} counts: written on its thread, read by metrics on any. */
final class ReplicationCounters {
    /** Peer messages for a group this server does not have. */
    final AtomicLong unknownGroup = new AtomicLong();
    /** Peer messages a group's node refused (other than duplicates and busy). */
    final AtomicLong refused = new AtomicLong();
    /** Frames written to the replication log. */
    final AtomicLong logWrites = new AtomicLong();
    /** Readies finished: logged, sent and advanced. */
    final AtomicLong readies = new AtomicLong();
    /** Writes refused because the replication log was full. */
    final AtomicLong refusedFull = new AtomicLong();
    /** Leaderships handed back to a group's preferred leader. */
    final AtomicLong handedBack = new AtomicLong();
    /** Streamed checkpoints installed by groups of this server. */
    final AtomicLong checkpointsInstalled = new AtomicLong();
    /** Silent members released so their groups prune past them. */
    final AtomicLong released = new AtomicLong();
    /** Members that returned without what they had acknowledged, caught up afresh. */
    final AtomicLong forgotten = new AtomicLong();
    /** Hard states logged that moved a group's compaction point: its log pruned behind a checkpoint. */
    final AtomicLong pruned = new AtomicLong();
    /** Times a group's node on this server became its leader. */
    final AtomicLong leaderChanges = new AtomicLong();
    /** Nanoseconds from starting rounds' log writes until they (and every earlier one) were durable. */
    final AtomicLong logWriteNanos = new AtomicLong();
    /** Groups of this server, and those it leads (written by the agent alone). */
    volatile int groupCount;
    volatile int leading;

    /**
     * @param reclaims         rewrites of the log that reclaimed space (the reclaimer counts them)
     * @param checkpointPieces streamed checkpoint pieces written into the store (the piece writer counts them)
     * @return every counter by its metric name
     */
    Map<String, Long> asMap(long reclaims, long checkpointPieces) {
        return Map.ofEntries(Map.entry("unknown_group", unknownGroup.get()),
                Map.entry("refused", refused.get()),
                Map.entry("log_writes", logWrites.get()),
                Map.entry("readies", readies.get()), Map.entry("log_reclaims", reclaims),
                Map.entry("refused_log_full", refusedFull.get()),
                Map.entry("leaders_handed_back", handedBack.get()),
                Map.entry("checkpoints_installed", checkpointsInstalled.get()),
                Map.entry("checkpoint_pieces", checkpointPieces),
                Map.entry("members_released", released.get()),
                Map.entry("members_forgotten", forgotten.get()),
                Map.entry("leader_changes", leaderChanges.get()),
                Map.entry("log_pruned", pruned.get()),
                Map.entry("log_write_nanos", logWriteNanos.get()));
    }
}
