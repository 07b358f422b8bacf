package dev.pfs.parallelraft;

/** Kinds of messages between the nodes of a group. */
public enum MessageType {
    /** Would you vote for me in {@code term}? Changes no state at the receiver. */
    PRE_VOTE,
    /** Answer to {@link #PRE_VOTE}. */
    PRE_VOTE_RESP,
    /** Vote for me in {@code term}. */
    VOTE,
    /** Answer to {@link #VOTE}. */
    VOTE_RESP,
    /** New leader asks for the receiver's log above an index (ParallelRaft merge stage). */
    MERGE_REQ,
    /** The receiver's commit prefix and its entries above the asked index. */
    MERGE_RESP,
    /** Entries from the leader, with commit information. */
    APPEND,
    /** Acknowledgement (or, in strict mode, rejection) of {@link #APPEND}. */
    APPEND_RESP,
    /** Leader is alive; carries commit information. */
    HEARTBEAT,
    /** Answer to {@link #HEARTBEAT}, carrying the follower's commit prefix. */
    HEARTBEAT_RESP,
    /** Leadership transfer: start an election now, ignoring leases. */
    TIMEOUT_NOW,
    /** A piece of the leader's checkpoint, for a follower that needs entries the leader pruned. */
    CHECKPOINT,
    /** How much of a checkpoint a follower holds durably, or that it installed it. */
    CHECKPOINT_RESP
}
