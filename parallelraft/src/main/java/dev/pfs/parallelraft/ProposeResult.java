package dev.pfs.parallelraft;

/**
 * Outcome of {@link RaftNode#propose}.
 *
 * @param reason NONE when accepted, else why not
 * @param index  index given to the entry (0 when refused)
 * @param term   term of the leader that accepted it: with {@code index}, the entry's identity
 */
public record ProposeResult(RejectReason reason, long index, long term) {

    /** @return whether the entry was appended */
    public boolean accepted() {
        return reason == RejectReason.NONE;
    }
}
