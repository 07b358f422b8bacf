package dev.pfs.parallelraft;

/** Why {@link RaftNode#step} or {@link RaftNode#propose} refused an input. */
public enum RejectReason {
    /** Accepted: not a rejection. */
    NONE,
    /** Sender is not a member of the group, or the message is not addressed to this node. */
    UNKNOWN_NODE,
    /** Sender's term is older than ours. */
    STALE_TERM,
    /** Fields that cannot be valid (bad type, indices, entry order, terms). */
    MALFORMED,
    /** An entry's LBA ranges or look-behind buffer are not valid. */
    INVALID_LBA,
    /** The message repeats one already handled; answered again, nothing changed. */
    DUPLICATE,
    /**
     * A checkpoint piece arrived while the pieces or the install of another checkpoint wait for
     * the next Ready (a Ready carries one checkpoint); not answered, nothing changed: the leader
     * sends it again.
     */
    BUSY,
    /** A proposal reached a node that is not a leader ready to accept it. */
    NOT_LEADER,
    /** A proposal arrived while leadership is being transferred. */
    TRANSFERRING,
    /** A proposal arrived while a membership change is under way (writes wait until it commits). */
    CHANGING_MEMBERS,
    /** A membership change that is not a single add or removal of a valid id. */
    INVALID_MEMBERSHIP
}
