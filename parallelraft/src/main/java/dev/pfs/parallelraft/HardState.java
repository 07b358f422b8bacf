package dev.pfs.parallelraft;

/**
 * What a node must persist besides its entries before its messages leave.
 *
 * @param term     current term
 * @param votedFor node voted for in {@code term}, or 0 for none
 */
public record HardState(long term, int votedFor) {

    /** The state of a node that never ran. */
    public static final HardState EMPTY = new HardState(0, 0);
}
