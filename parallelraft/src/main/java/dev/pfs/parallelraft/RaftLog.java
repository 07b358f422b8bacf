package dev.pfs.parallelraft;

import java.util.ArrayList;
import java.util.List;

/**
 * A node's in-memory log: entries by index from {@code firstIndex}, with holes (ParallelRaft
 * followers accept entries out of order). Strict mode never leaves holes.
 */
final class RaftLog {

    private long first = 1;
    /** Highest stamp among pruned entries. */
    private long compactTerm;
    /** Highest origin term of a proposal (not a no-op) among pruned entries. */
    private long compactOrigin;
    private final ArrayList<Entry> slots = new ArrayList<>();

    long firstIndex() {
        return first;
    }

    /** @return highest index held, or {@code firstIndex - 1} when empty */
    long lastIndex() {
        return first + slots.size() - 1;
    }

    /** @return the entry at {@code index}, or null for a hole or outside the log */
    Entry get(long index) {
        long off = index - first;
        return off < 0 || off >= slots.size() ? null : slots.get((int) off);
    }

    /** Stores {@code e} at its index, replacing what was there. */
    void put(Entry e) {
        long off = e.index() - first;
        if (off < 0) {
            throw new IllegalStateException("entry " + e + " below first index " + first);
        }
        while (slots.size() <= off) {
            slots.add(null);
        }
        slots.set((int) off, e);
    }

    /** Drops every entry above {@code index}. */
    void truncateAfter(long index) {
        while (lastIndex() > index && !slots.isEmpty()) {
            slots.removeLast();
        }
    }

    /** @return highest origin term of a proposal (not a no-op) among pruned entries */
    long compactOrigin() {
        return compactOrigin;
    }

    /** @return highest stamp among pruned entries */
    long compactTerm() {
        return compactTerm;
    }

    /**
     * Drops every entry up to {@code upTo}; the log then starts at {@code upTo + 1}.
     *
     * @param upTo        last pruned index, at least {@code firstIndex - 1}
     * @param prunedTerm  highest stamp of entries pruned earlier and not held here (restart)
     * @param prunedOrigin highest origin term of a proposal among those entries
     */
    void compact(long upTo, long prunedTerm, long prunedOrigin) {
        compactTerm = Math.max(compactTerm, prunedTerm);
        compactOrigin = Math.max(compactOrigin, prunedOrigin);
        int k = (int) Math.min(Math.max(0, upTo - first + 1), slots.size());
        for (int j = 0; j < k; j++) {
            Entry e = slots.get(j);
            if (e != null) {
                compactTerm = Math.max(compactTerm, e.term());
                if (e.kind() != EntryKind.NOOP) {
                    compactOrigin = Math.max(compactOrigin, e.originTerm());
                }
            }
        }
        slots.subList(0, k).clear();
        first = Math.max(first, upTo + 1);
    }

    /** @return the stamp of the entry at {@code index}; 0 for index 0 or a hole; for the last pruned index, {@link #compactTerm} */
    long termAt(long index) {
        if (index == first - 1 && index > 0) {
            return compactTerm;
        }
        Entry e = get(index);
        return e == null ? 0 : e.term();
    }

    /** @return highest stamp in the log: with the last index, how up to date a voter's log is */
    long maxTerm() {
        long t = compactTerm;
        for (int k = slots.size() - 1; k >= 0; k--) {
            Entry e = slots.get(k);
            if (e != null && e.term() > t) {
                t = e.term();
            }
        }
        return t;
    }

    /** @return the highest index with no hole below it in {@code [from, to]} starting at {@code from} */
    long contiguousFrom(long from, long to) {
        long i = from;
        while (i <= to && get(i) != null) {
            i++;
        }
        return i - 1;
    }

    /** @return the look-behind buffer of an entry at {@code index}: the held entries among the {@code n} before it */
    List<LbbSlot> lookBehind(long index, int n) {
        List<LbbSlot> slots = new ArrayList<>(n);
        for (long k = Math.max(first, index - n); k < index; k++) {
            Entry p = get(k);
            if (p != null) {
                slots.add(new LbbSlot(k, p.originTerm(), p.ranges()));
            }
        }
        return slots;
    }

    /** @return held entries in {@code [from, to]}, skipping holes */
    List<Entry> range(long from, long to) {
        List<Entry> out = new ArrayList<>();
        for (long i = Math.max(from, first); i <= Math.min(to, lastIndex()); i++) {
            Entry e = get(i);
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }
}
