package dev.pfs.parallelraft;

/**
 * A run of logical blocks an entry writes: {@code [start, start + length)}.
 *
 * @param start  first block
 * @param length number of blocks, at least one
 */
public record LbaRange(long start, long length) {

    /** @return the first block after the range */
    public long end() {
        return start + length;
    }

    /** @return whether this range shares a block with {@code other} */
    public boolean overlaps(LbaRange other) {
        return start < other.end() && other.start < end();
    }

    /**
     * @param lbaCount blocks in the space
     * @return why the range is not valid within {@code [0, lbaCount)}, or null when it is
     */
    public String invalidReason(long lbaCount) {
        if (start < 0) {
            return "negative start " + start;
        }
        if (length <= 0) {
            return "non-positive length " + length;
        }
        if (start > lbaCount - length) {
            return "range [" + start + "+" + length + ") beyond " + lbaCount + " blocks";
        }
        return null;
    }

    /** @return whether any range of {@code a} overlaps any range of {@code b} */
    static boolean anyOverlap(java.util.List<LbaRange> a, java.util.List<LbaRange> b) {
        for (LbaRange x : a) {
            for (LbaRange y : b) {
                if (x.overlaps(y)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return start + "+" + length;
    }
}
