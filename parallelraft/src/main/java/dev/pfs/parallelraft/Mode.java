package dev.pfs.parallelraft;

/** How a group acknowledges, commits and applies entries. */
public enum Mode {
    /** Raft as published: in-order acknowledge, commit and apply. */
    STRICT,
    /** ParallelRaft: out-of-order acknowledge and commit; apply guarded by the look-behind buffer. */
    PARALLEL
}
