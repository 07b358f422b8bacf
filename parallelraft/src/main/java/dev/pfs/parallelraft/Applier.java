package dev.pfs.parallelraft;

import java.util.ArrayList;
import java.util.List;

/**
 * Picks the committed entries a replica may apply now. Strict mode: the next index only.
 * ParallelRaft: a committed entry {@code i} waits while an earlier index {@code j} is not applied
 * and either (a) {@code j} is known committed and overlaps {@code i}, or (b) {@code j} is not known
 * committed and lies within {@code i}'s look-behind buffer with ranges (from the LBB slot or the
 * held entry) that overlap {@code i}, or (c) {@code j} is not known committed and lies outside
 * the look-behind buffer, so its ranges are unknown.
 */
final class Applier {

    private final Mode mode;
    private final int lookBehind;

    Applier(Mode mode, int lookBehind) {
        this.mode = mode;
        this.lookBehind = lookBehind;
    }

    List<Entry> collect(RaftLog log, IndexSet committed, IndexSet applied) {
        List<Entry> out = new ArrayList<>();
        if (mode == Mode.STRICT) {
            for (long i = applied.prefix() + 1; committed.contains(i) && log.get(i) != null; i++) {
                out.add(log.get(i));
                applied.add(i);
            }
            return out;
        }
        long hi = committed.max();
        long firstUnknown = Long.MAX_VALUE;
        List<Entry> waiting = new ArrayList<>();
        for (long i = applied.prefix() + 1; i <= hi; i++) {
            if (applied.contains(i)) {
                continue;
            }
            Entry e = log.get(i);
            if (e == null || !committed.contains(i)) {
                firstUnknown = Math.min(firstUnknown, i);
                continue;
            }
            if (e.ranges().isEmpty()) {
                out.add(e);
                applied.add(i);
                continue;
            }
            if (firstUnknown < i - lookBehind) {
                break;
            }
            if (mayApply(e, log, committed, applied, waiting)) {
                out.add(e);
                applied.add(i);
            } else {
                waiting.add(e);
            }
        }
        return out;
    }

    /** {@code e} is committed and no earlier unknown index lies outside its LBB: check overlaps. */
    private boolean mayApply(Entry e, RaftLog log, IndexSet committed, IndexSet applied, List<Entry> waiting) {
        for (Entry w : waiting) {
            if (LbaRange.anyOverlap(w.ranges(), e.ranges())) {
                return false;
            }
        }
        long i = e.index();
        for (long j = Math.max(applied.prefix() + 1, i - lookBehind); j < i; j++) {
            Entry held = log.get(j);
            if (applied.contains(j) || (held != null && committed.contains(j))) {
                continue;
            }
            LbbSlot slot = LogMerger.slotFor(e, j);
            if (slot == null || LbaRange.anyOverlap(slot.ranges(), e.ranges())
                    || (held != null && LbaRange.anyOverlap(held.ranges(), e.ranges()))) {
                return false;
            }
        }
        return true;
    }
}
