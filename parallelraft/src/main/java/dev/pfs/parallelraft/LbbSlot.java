package dev.pfs.parallelraft;

import java.util.List;

/**
 * One slot of an entry's look-behind buffer: what the leader that stamped the entry had at an
 * earlier index.
 *
 * @param index      the earlier index
 * @param originTerm the term that first proposed the entry at that index (identifies it)
 * @param ranges     the blocks that entry writes (empty for a no-op)
 */
public record LbbSlot(long index, long originTerm, List<LbaRange> ranges) {

    /** Copies the range list so the slot is immutable. */
    public LbbSlot {
        ranges = List.copyOf(ranges);
    }

    @Override
    public String toString() {
        return index + "@" + originTerm + ranges;
    }
}
