package dev.pfs.parallelraft;

import java.util.List;

/**
 * What a node asks its caller to do, after etcd raft's {@code Ready}. For one Ready the caller
 * must: write {@link #checkpointPieces} durably into the checkpoint being received; if
 * {@link #installCheckpoint} is not negative, make that (now complete) checkpoint its durable
 * applied state, replacing the state it had; persist {@link #truncateAfter} (if not negative),
 * {@link #entries} (each written at its index, replacing what is there) and {@link #hardState} (if
 * not null) durably; then send {@link #messages}; apply {@link #toApply} in list order; then call
 * {@link RaftNode#advance}.
 * Once a hard state is durable, persisted entries up to its {@link HardState#compactIndex} may be
 * deleted (the caller's checkpoint covers them).
 *
 * <p>Simplest use: one Ready at a time (take it, do all of it, advance, take the next). A caller
 * may also take further Readies before advancing earlier ones and persist them concurrently,
 * completing in any order (several I/O queues), as long as it keeps these rules:
 * <ol>
 *   <li>hard states land in Ready order: a later hard state supersedes an earlier one, and an
 *       earlier one must never overwrite a later one that is already durable;</li>
 *   <li>writes to the same log index land in Ready order (the later Ready's entry wins);</li>
 *   <li>a Ready that truncates, carries checkpoint pieces or installs a checkpoint starts only
 *       once every earlier Ready is durable, and later Readies' writes land after it (simplest:
 *       run it alone);</li>
 *   <li>a Ready's messages leave once its own truncation, entries and hard state are durable
 *       (nothing else needs to wait: the node never puts a message in a Ready that depends on
 *       an earlier Ready still in flight);</li>
 *   <li>{@code toApply} lists are applied in Ready order (the entries are committed, so they may
 *       be applied before the Ready's own writes are durable);</li>
 *   <li>{@link RaftNode#advance} is called once per Ready, after its writes are durable, in any
 *       order.</li>
 * </ol>
 * The node keeps its side: a follower acknowledges an entry only once the Ready carrying the
 * acknowledgement makes it durable (strict mode: its matching contiguous prefix, renewed after
 * {@code advance}); a reported commit prefix and the hard state's {@code commit} never cover an
 * entry still in flight in an earlier Ready; while a hard state is in flight, a Ready with messages
 * repeats the current one, and while one names an entry of its own Ready committed, later Readies
 * carry neither a hard state nor messages; while a Ready that truncates, carries checkpoint pieces
 * or installs a checkpoint is in flight, later Readies carry neither either (a message-only Ready
 * would leave at once, before what it answers is durable) unless they are such a Ready themselves
 * (it lands after every earlier one); the Ready that installs a checkpoint carries the hard state
 * naming it (compaction point, stamp and members there), and the caller makes the install and
 * that hard state durable together, all or neither (a restart from the installed checkpoint
 * learns its stamp and members only from the hard state); a leader counts itself only for entries
 * it holds durably (confirmed through {@code advance}, or found on disk at restart), never for its
 * commit prefix; {@link RaftNode#checkpointed} refuses an index with a write in flight.
 *
 * <p>Shape: a Ready carries the pieces of at most one checkpoint, in offset order, a piece at
 * offset 0 starting it anew; {@link #installCheckpoint}, when not negative, names that checkpoint
 * and its last piece is among {@link #checkpointPieces} (a piece of another checkpoint arriving
 * meanwhile is refused as {@link RejectReason#BUSY} and sent again by the leader). The first Ready
 * of a strict node restarted from entries with a hole carries {@link #truncateAfter} = the last
 * index before the hole: the entries above it were never acknowledged or counted, and must go from
 * the caller's disk too before anything is written over the hole.
 *
 * @param hardState     term, vote, commit prefix and compaction point to persist, or null if unchanged
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
