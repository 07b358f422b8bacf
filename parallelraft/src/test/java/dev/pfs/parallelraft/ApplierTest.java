package dev.pfs.parallelraft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ApplierTest {

    private final Applier applier = new Applier(Mode.PARALLEL, 2);
    private final RaftLog log = new RaftLog();
    private final IndexSet committed = new IndexSet();
    private final IndexSet applied = new IndexSet();

    private Entry put(long index, long block, long... lbbBlocks) {
        List<LbbSlot> lbb = new java.util.ArrayList<>();
        for (int k = 0; k < lbbBlocks.length; k++) {
            long at = index - lbbBlocks.length + k;
            lbb.add(new LbbSlot(at, 1, List.of(new LbaRange(lbbBlocks[k], 1))));
        }
        Entry e = new Entry(index, 1, 1, EntryKind.WRITE, List.of(new LbaRange(block, 1)), lbb, null);
        log.put(e);
        return e;
    }

    @Test
    void appliesPastAMissingPredecessorThatTheLookBehindShowsDisjoint() {
        applied.addPrefix(1);
        committed.addPrefix(1);
        put(3, 7, 5, 6);
        committed.add(3);
        assertThat(applier.collect(log, committed, applied)).extracting(Entry::index).containsExactly(3L);
    }

    @Test
    void waitsForAMissingPredecessorThatOverlaps() {
        put(2, 7, 7);
        committed.add(2);
        assertThat(applier.collect(log, committed, applied)).isEmpty();
        put(1, 7);
        committed.add(1);
        assertThat(applier.collect(log, committed, applied)).extracting(Entry::index).containsExactly(1L, 2L);
    }

    @Test
    void waitsWhenAMissingPredecessorFallsOutsideTheLookBehind() {
        put(4, 9, 5, 6);
        committed.add(4);
        assertThat(applier.collect(log, committed, applied)).as("index 1 unknown, outside N = 2").isEmpty();
    }

    @Test
    void strictModeAppliesOnlyInOrder() {
        Applier strict = new Applier(Mode.STRICT, 0);
        put(2, 7);
        committed.add(2);
        assertThat(strict.collect(log, committed, applied)).isEmpty();
    }
}
