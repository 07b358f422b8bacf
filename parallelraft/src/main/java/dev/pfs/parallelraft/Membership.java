package dev.pfs.parallelraft;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The membership a node follows: the members named by the newest configuration entry in its log
 * (committed or not, as Raft's single-server changes require), or, with none left in the log, the
 * members at the compaction point. Changes move one member at a time, so a majority of any
 * configuration intersects a majority of the next one.
 */
final class Membership {

    /** Members at the compaction point (from the hard state or checkpoint), or the initial voters. */
    private List<Integer> base;
    /** Configuration entries held in the log: index → members. */
    private final TreeMap<Long, List<Integer>> inLog = new TreeMap<>();

    Membership(List<Integer> base) {
        this.base = List.copyOf(base);
    }

    /** @return the members in force: newest configuration in the log, else the base */
    List<Integer> current() {
        Map.Entry<Long, List<Integer>> last = inLog.lastEntry();
        return last == null ? base : last.getValue();
    }

    /** @return the members before the newest configuration entry (to accept a departing leader's messages) */
    List<Integer> previous() {
        Map.Entry<Long, List<Integer>> last = inLog.lastEntry();
        if (last == null) {
            return base;
        }
        Map.Entry<Long, List<Integer>> before = inLog.lowerEntry(last.getKey());
        return before == null ? base : before.getValue();
    }

    /** @return index of the newest configuration entry in the log, or 0 */
    long latestIndex() {
        return inLog.isEmpty() ? 0 : inLog.lastKey();
    }

    /**
     * Members (and those of the configuration before the newest, such as a leader removing itself)
     * may ask node {@code self} for votes; a node that is not a member (joining, or removed) hears
     * anyone.
     */
    boolean hears(int from, int self) {
        return contains(from) || previous().contains(from) || !contains(self);
    }

    boolean contains(int id) {
        return current().contains(id);
    }

    /** @return votes or acknowledgements needed under the current members */
    int quorum() {
        return current().size() / 2 + 1;
    }

    /** Records what {@code e} (just stored at its index) says, replacing whatever was there. */
    void stored(Entry e) {
        if (e.kind() == EntryKind.CONFIG) {
            inLog.put(e.index(), e.members());
        } else {
            inLog.remove(e.index());
        }
    }

    /** Forgets configurations above {@code index} (log truncated). */
    void truncatedAfter(long index) {
        inLog.tailMap(index, false).clear();
    }

    /** Folds configurations up to {@code upTo} into the base (log compacted). */
    void compacted(long upTo) {
        Map.Entry<Long, List<Integer>> last = inLog.floorEntry(upTo);
        if (last != null) {
            base = last.getValue();
        }
        inLog.headMap(upTo, true).clear();
    }

    /** Replaces the base with the members of an installed checkpoint at {@code index}. */
    void installed(long index, List<Integer> members) {
        inLog.headMap(index, true).clear();
        base = List.copyOf(members);
    }

    /** @return members at {@code index}, assuming the log holds every configuration entry up to it */
    List<Integer> at(long index) {
        Map.Entry<Long, List<Integer>> e = inLog.floorEntry(index);
        return e == null ? base : e.getValue();
    }

    /**
     * @return whether this node can name the members at {@code index}: a joining server that caught
     *         up from APPENDs holds no record of the members before the first configuration entry in
     *         its log (the group's initial members are in no entry), and its base is empty
     */
    boolean knownAt(long index) {
        return !base.isEmpty() || inLog.floorKey(index) != null;
    }

    /** @return the members in force at the compaction point */
    List<Integer> base() {
        return base;
    }

    /**
     * @return null if {@code next} is a valid single-server change of {@code current}, else why not
     */
    static String invalidChange(List<Integer> current, List<Integer> next) {
        if (next == null || next.isEmpty() || next.stream().anyMatch(id -> id == null || id <= 0)
                || next.stream().distinct().count() != next.size()) {
            return "members must be distinct positive ids, got " + next;
        }
        long added = next.stream().filter(id -> !current.contains(id)).count();
        long removed = current.stream().filter(id -> !next.contains(id)).count();
        if (added + removed != 1) {
            return "a change adds or removes exactly one member: " + current + " -> " + next;
        }
        return null;
    }
}
