package dev.pfs.parallelraft;

/** A node's role in its current term. */
public enum Role {
    /** Follows a leader, or waits for one. */
    FOLLOWER,
    /** Asking whether it could win, without raising its term. */
    PRE_CANDIDATE,
    /** Asking for votes in its term. */
    CANDIDATE,
    /** Leads the term. */
    LEADER
}
