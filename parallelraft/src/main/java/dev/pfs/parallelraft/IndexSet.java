package dev.pfs.parallelraft;

import java.util.BitSet;

/**
 * A set of log indices stored as a contiguous prefix {@code [1, prefix]} plus a sparse set above
 * it: the shape of ParallelRaft's acknowledged, committed and applied sets.
 */
final class IndexSet {

    private long prefix;
    /** Bit k stands for index {@code base + k}; always {@code base <= prefix + 1}. */
    private long base = 1;
    private BitSet bits = new BitSet();

    long prefix() {
        return prefix;
    }

    boolean contains(long index) {
        return index <= prefix || (index - base < Integer.MAX_VALUE && bits.get((int) (index - base)));
    }

    /** Adds one index; returns whether it was new. */
    boolean add(long index) {
        if (contains(index)) {
            return false;
        }
        bits.set(checkedOffset(index));
        advance();
        return true;
    }

    /** Adds every index up to {@code upTo}. */
    void addPrefix(long upTo) {
        if (upTo > prefix) {
            prefix = upTo;
            advance();
        }
    }

    /** @return the highest index in the set, or the prefix if none above */
    long max() {
        int hi = bits.length() - 1;
        return hi < 0 ? prefix : Math.max(prefix, base + hi);
    }

    /** @return the next index above {@code from} in the set, or -1 */
    long nextAbove(long from) {
        long start = Math.max(from + 1, prefix + 1);
        if (start - base >= Integer.MAX_VALUE) {
            return -1;
        }
        int k = bits.nextSetBit((int) (start - base));
        return k < 0 ? -1 : base + k;
    }

    /** Removes everything: the set of a fresh term. */
    void clear(long newPrefix) {
        prefix = newPrefix;
        base = newPrefix + 1;
        bits = new BitSet();
    }

    private int checkedOffset(long index) {
        long off = index - base;
        if (off >= Integer.MAX_VALUE - 64) {
            throw new IllegalStateException("index " + index + " too far above prefix " + prefix);
        }
        return (int) off;
    }

    private void advance() {
        int k = (int) (prefix + 1 - base);
        if (k < 0) {
            k = 0;
        }
        int clear = bits.nextClearBit(k);
        prefix = Math.max(prefix, base + clear - 1);
        if (prefix - base > 4096) {
            int from = (int) (prefix + 1 - base);
            bits = bits.get(from, Math.max(from, bits.length()));
            base = prefix + 1;
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("[..").append(prefix);
        for (long i = nextAbove(prefix); i >= 0; i = nextAbove(i)) {
            b.append(',').append(i);
        }
        return b.append(']').toString();
    }
}
