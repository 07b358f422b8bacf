package dev.pfs.parallelraft;

import java.util.ArrayDeque;

/** The leader's view of one follower's replication. */
final class Progress {

    /** Indices the follower acknowledged holding as this leader's entries (or known committed). */
    final IndexSet acked = new IndexSet();
    /** Next index to send. */
    long next;
    /**
     * APPEND messages sent and not yet answered. ParallelRaft: each answer frees one. Strict mode:
     * {@link #windowEnds}' size, an APPEND being answered once the acknowledged prefix reaches its
     * last entry.
     */
    int inflight;
    /**
     * Strict mode: the last index of each APPEND of the current window not yet answered, in send
     * order (etcd raft's {@code Inflights}). Freed by index, not by count: a late copy of an answer,
     * or the answer to a window sent before the current one, acknowledges nothing new and frees
     * nothing, so retransmitting a window never leaves more than one window in flight for good.
     */
    final ArrayDeque<Long> windowEnds = new ArrayDeque<>();
    /**
     * Strict mode, after a refused APPEND: the previous index of the one APPEND sent to find where
     * the logs match (only its refusal is news), or -1 while replicating with the whole window.
     */
    long probePrev = -1;
    /** Waiting for a heartbeat answer before sending entries (after election or a reset). */
    boolean probe = true;
    /** Heard from since the last check-quorum round. */
    boolean recentActive;
    /** Leader ticks since the follower was last heard from. */
    int silentTicks;
    /**
     * The follower was silent long enough that the caller released it ({@link RaftNode#releaseSilentMembers}):
     * its reported commit prefix no longer holds the safe prefix back, until it is heard from again.
     */
    boolean released;
    /** Ticks since the follower's acknowledged prefix last grew while entries beyond it were outstanding. */
    int stalledTicks;
    /** Highest commit prefix the follower reported (persisted there before it was sent). */
    long reportedCommit;
    /** Merge stage: the follower's log report has arrived. */
    boolean reported;

    /** Checkpoint being streamed to the follower (its applied prefix), or 0. */
    long streamIndex;
    /** Its size, stamp at its index and members there (sorted). */
    long streamSize;
    long streamTerm;
    long[] streamMembers;
    /** Next byte offset to send, and the offset the follower last asked for. */
    long streamSent;
    long streamAcked;
    /** The last piece was sent (and not asked for again). */
    boolean streamLastSent;
    /** Ticks since the follower's acknowledged offset last grew. */
    int streamStalled;
}
