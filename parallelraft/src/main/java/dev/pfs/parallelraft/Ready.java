package dev.pfs.parallelraft;

import java.util.List;

/**
 * What a node asks its caller to do, after etcd raft's {@code Ready}. The caller must, in order:
 * write {@link #checkpointPieces} durably into the checkpoint being received; if
 * {@link #installCheckpoint} is not negative, make that (now complete) checkpoint its durable
 * applied state, replacing the state it had; persist {@link #truncateAfter} (if not negative),
 * {@link #entries} (each written at its index, replacing what is there) and {@link #hardState} (if
 * not null) durably; then send {@link #messages}; apply {@link #toApply} in list order; then call
 * {@link RaftNode#advance}.
 * Once a hard state is durable, persisted entries up to its {@link HardState#compactIndex} may be
 * deleted (the caller's checkpoint covers them).
 *
 * @param hardState     term and vote to persist, or null if unchanged
 * @param truncateAfter drop persisted entries above this index first; -1 for none
 * @param entries       entries to persist
 * @param messages      messages to send once the above is durable
 * @param toApply       committed entries safe to apply now, in this order
 * @param checkpointPieces pieces of a checkpoint streamed by the leader, to write first
 * @param installCheckpoint the applied prefix of a fully received checkpoint to install; -1 for none
 */
public record Ready(HardState hardState, long truncateAfter, List<Entry> entries, List<Message> messages,
                   List<Entry> toApply, List<CheckpointPiece> checkpointPieces, long installCheckpoint) {

    /** @return whether there is nothing to do */
    public boolean isEmpty() {
        return hardState == null && truncateAfter < 0 && entries.isEmpty() && messages.isEmpty()
                && toApply.isEmpty() && checkpointPieces.isEmpty() && installCheckpoint < 0;
    }
}
