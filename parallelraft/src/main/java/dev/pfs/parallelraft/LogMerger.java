package dev.pfs.parallelraft;

import java.util.ArrayList;
import java.util.List;

/**
 * The merge stage of a new ParallelRaft leader: from the logs a quorum reported, the log the
 * leader will replicate before it commits or accepts anything. The rules and their safety
 * argument are in {@code docs/parallelraft.md}; in short:
 * <ol>
 *   <li>{@code base} = the highest commit prefix reported; entries up to it are committed and taken
 *       from a reporter that knows them committed.</li>
 *   <li>Above {@code base}, an index the leader knows committed keeps the leader's entry as it is;
 *       at any other index the entry with the highest stamp wins; a hole everywhere becomes a
 *       no-op.</li>
 *   <li>Walking down from the end, a winner is stale, and replaced by a no-op, when a winner at a
 *       higher index within N carries a higher stamp and its look-behind buffer names another
 *       origin for this index.</li>
 *   <li>A winner is stale, and replaced by a no-op, when its stamp is below the origin term of a
 *       proposal (not a no-op) at a lower index: that term's leader proposed above its own merge,
 *       so the winner was never committed, and committed now it would land above that term's
 *       writes and undo them (a deposed leader's unreplicated tail).</li>
 *   <li>Every other entry above {@code base} is re-stamped with the new term and gets a look-behind
 *       buffer recomputed from the merged log.</li>
 * </ol>
 * The naive variant (the paper's merge, kept for the test that shows its flaw) skips rules 3 to 5.
 */
final class LogMerger {

    /**
     * The outcome.
     *
     * @param base    highest commit prefix among the reports
     * @param end     last index of the merged log
     * @param entries the merged entries from the leader's first asked index to {@code end}
     */
    record Result(long base, long end, List<Entry> entries) {
    }

    /**
     * One reporter's log.
     *
     * @param commitPrefix its known-committed prefix
     * @param entries      its entries from the asked index on (holes allowed)
     */
    record Report(long commitPrefix, List<Entry> entries) {
    }

    private LogMerger() {
    }

    /**
     * @param term       the new leader's term
     * @param from       first index asked (the leader's commit prefix + 1)
     * @param lookBehind N
     * @param naive      the paper's merge (unsafe), for tests only
     * @param own        the leader's log: its entries below {@code from} give look-behind slots, and
     *                   those it knows committed above are kept
     * @param known      indices the leader knows committed
     * @param reports    logs of a quorum including the leader's
     */
    static Result merge(long term, long from, int lookBehind, boolean naive, RaftLog own, IndexSet known,
                        List<Report> reports) {
        long base = from - 1;
        long end = from - 1;
        for (Report r : reports) {
            base = Math.max(base, r.commitPrefix());
            for (Entry e : r.entries()) {
                end = Math.max(end, e.index());
            }
        }
        end = Math.max(end, base);
        int n = (int) (end - from + 1);
        Entry[] chosen = new Entry[n];
        for (Report r : reports) {
            for (Entry e : r.entries()) {
                int k = (int) (e.index() - from);
                if (e.index() <= r.commitPrefix()) {
                    chosen[k] = e;
                } else if (e.index() > base && (chosen[k] == null || e.term() > chosen[k].term())) {
                    chosen[k] = e;
                }
            }
        }
        for (long i = from; i <= base; i++) {
            if (chosen[(int) (i - from)] == null) {
                throw new IllegalStateException("committed index " + i + " missing from the reports");
            }
        }
        boolean[] kept = new boolean[n];
        if (!naive) {
            for (long i = base + 1; i <= end; i++) {
                Entry mine = own.get(i);
                if (mine != null && known.contains(i)) {
                    chosen[(int) (i - from)] = mine;
                    kept[(int) (i - from)] = true;
                }
            }
            dropStale(chosen, kept, from, base, end, lookBehind);
            dropDeposedTail(chosen, kept, from, base, end, own, reports);
        }
        List<Entry> out = new ArrayList<>(n);
        for (long i = from; i <= end; i++) {
            Entry c = chosen[(int) (i - from)];
            if (i <= base) {
                out.add(c);
            } else if (c == null) {
                out.add(Entry.noop(i, term));
            } else if (naive || kept[(int) (i - from)]) {
                out.add(c);
            } else {
                out.add(c.restamp(term, lookBehindOf(i, lookBehind, from, out, own)));
            }
        }
        return new Result(base, end, out);
    }

    /** Rule 3: walking down, a winner contradicted by a newer successor's LBB becomes a hole. */
    private static void dropStale(Entry[] chosen, boolean[] kept, long from, long base, long end, int lookBehind) {
        for (long j = end; j > base; j--) {
            Entry c = chosen[(int) (j - from)];
            if (c == null || kept[(int) (j - from)]) {
                continue;
            }
            for (long i = j + 1; i <= Math.min(end, j + lookBehind); i++) {
                Entry s = chosen[(int) (i - from)];
                if (s == null || s.term() <= c.term()) {
                    continue;
                }
                LbbSlot slot = slotFor(s, j);
                if (slot != null && slot.originTerm() != c.originTerm()) {
                    chosen[(int) (j - from)] = null;
                    break;
                }
            }
        }
    }

    /**
     * Rule 4: a winner at {@code j} stamped below the origin term {@code o} of a proposal at some
     * index below {@code j} (in any report, or in the leader's log below {@code from}) was never
     * committed. Had it been committed before term {@code o}, the leader of {@code o} would have
     * merged it, so its merge would have ended at or above {@code j}, and it proposes only above
     * its merge. Had it been committed in term {@code o} or later, a quorum would hold it with a
     * stamp of at least {@code o}, and the merge quorum would have reported that copy. No-ops are
     * no evidence: the merge itself writes them below its end. Below the leader's log, the
     * highest origin among the proposals it pruned stands for them.
     */
    private static void dropDeposedTail(Entry[] chosen, boolean[] kept, long from, long base, long end, RaftLog own,
                                        List<Report> reports) {
        int n = chosen.length;
        long[] proposedAt = new long[n];
        for (Report r : reports) {
            for (Entry e : r.entries()) {
                if (e.kind() != EntryKind.NOOP) {
                    int k = (int) (e.index() - from);
                    proposedAt[k] = Math.max(proposedAt[k], e.originTerm());
                }
            }
        }
        long below = own.compactOrigin();
        for (long k = own.firstIndex(); k < from; k++) {
            Entry e = own.get(k);
            if (e != null && e.kind() != EntryKind.NOOP) {
                below = Math.max(below, e.originTerm());
            }
        }
        for (long j = from; j <= end; j++) {
            int k = (int) (j - from);
            Entry c = chosen[k];
            if (j > base && c != null && !kept[k] && c.term() < below) {
                chosen[k] = null;
            }
            below = Math.max(below, proposedAt[k]);
        }
    }

    /** @return the LBB slot of {@code e} that describes {@code index}, or null */
    static LbbSlot slotFor(Entry e, long index) {
        for (LbbSlot s : e.lbb()) {
            if (s.index() == index) {
                return s;
            }
        }
        return null;
    }

    /** The LBB of index {@code i}: the previous N entries of the merged log (or the leader's log below it). */
    private static List<LbbSlot> lookBehindOf(long i, int lookBehind, long from, List<Entry> merged, RaftLog below) {
        List<LbbSlot> slots = new ArrayList<>(lookBehind);
        for (long k = Math.max(1, i - lookBehind); k < i; k++) {
            Entry p = k >= from ? merged.get((int) (k - from)) : below.get(k);
            if (p != null) {
                slots.add(new LbbSlot(k, p.originTerm(), p.ranges()));
            }
        }
        return slots;
    }
}
