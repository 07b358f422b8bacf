package dev.pfs.parallelraft;

import java.util.ArrayList;
import java.util.List;

/**
 * A node's in-memory log: entries by index from {@code firstIndex}, with holes (ParallelRaft
 * followers accept entries out of order). Strict mode never leaves holes.
 */
final class RaftLog {

    private long first = 1;
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

    /** @return the stamp of the entry at {@code index}; 0 for index 0 or a hole */
    long termAt(long index) {
        Entry e = get(index);
        return e == null ? 0 : e.term();
    }

    /** @return highest stamp in the log: with the last index, how up to date a voter's log is */
    long maxTerm() {
        long t = 0;
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
