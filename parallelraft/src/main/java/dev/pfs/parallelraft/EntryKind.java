package dev.pfs.parallelraft;

/** What an entry carries. */
public enum EntryKind {
    /** A write of the caller's data to the entry's LBA ranges. */
    WRITE,
    /** Nothing: a leader's barrier or a hole filled by the merge stage. */
    NOOP,
    /** A membership change: the data lists the members from this index on. */
    CONFIG
}
