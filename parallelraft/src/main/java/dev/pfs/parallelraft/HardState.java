package dev.pfs.parallelraft;

import java.util.List;

/**
 * What a node must persist besides its entries before its messages leave. After persisting it,
 * the caller may delete its persisted entries up to {@code compactIndex}.
 *
 * @param term         current term
 * @param votedFor     node voted for in {@code term}, or 0 for none
 * @param commit       contiguous prefix this node knows committed; it never shrinks, so whatever
 *                     this node reported to a leader stays true after a restart
 * @param compactIndex entries up to this index are pruned (covered by a checkpoint); 0 for none
 * @param compactTerm  highest stamp among the pruned entries (how up to date an empty log is)
 * @param members      the membership in force at {@code compactIndex}; empty when no configuration
 *                     entry was ever pruned (the configured voters apply)
 * @param compactOrigin highest origin term of a proposal (not a no-op) among the pruned entries:
 *                     the merge's evidence that entries of older terms above it never committed
 */
public record HardState(long term, int votedFor, long commit, long compactIndex, long compactTerm,
                        List<Integer> members, long compactOrigin) {

    /** The state of a node that never ran. */
    public static final HardState EMPTY = new HardState(0, 0);

    /** Copies the member list. */
    public HardState {
        members = List.copyOf(members);
    }

    /** A hard state whose pruned entries name no proposal's term. */
    public HardState(long term, int votedFor, long commit, long compactIndex, long compactTerm, List<Integer> members) {
        this(term, votedFor, commit, compactIndex, compactTerm, members, 0);
    }

    /** A hard state with no commit prefix and nothing pruned. */
    public HardState(long term, int votedFor) {
        this(term, votedFor, 0, 0, 0, List.of());
    }
}
