package dev.pfs.parallelraft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LogMergerTest {

    private static Entry write(long index, long stamp, long origin, long block, LbbSlot... lbb) {
        return new Entry(index, stamp, origin, EntryKind.WRITE, List.of(new LbaRange(block, 1)), List.of(lbb), null);
    }

    private static LbbSlot slot(long index, long origin, long block) {
        return new LbbSlot(index, origin, List.of(new LbaRange(block, 1)));
    }

    @Test
    void highestStampWinsHolesBecomeNoopsAndEverythingIsRestamped() {
        LogMerger.Report a = new LogMerger.Report(0, List.of(write(1, 1, 1, 5), write(3, 2, 2, 7)));
        LogMerger.Report b = new LogMerger.Report(0, List.of(write(1, 2, 2, 6)));
        LogMerger.Result r = LogMerger.merge(4, 1, 2, false, new RaftLog(), new IndexSet(), List.of(a, b));
        assertThat(r.base()).isZero();
        assertThat(r.end()).isEqualTo(3);
        assertThat(r.entries()).extracting(Entry::term).containsOnly(4L);
        assertThat(r.entries().get(0).originTerm()).isEqualTo(2);
        assertThat(r.entries().get(1).kind()).isEqualTo(EntryKind.NOOP);
        assertThat(r.entries().get(2).lbb()).extracting(LbbSlot::index).containsExactly(1L, 2L);
        assertThat(r.entries().get(2).lbb().get(0).originTerm()).isEqualTo(2);
    }

    @Test
    void dropsAWinnerThatANewerSuccessorsLookBehindContradicts() {
        // Index 2 holds origin 1 somewhere; index 3, stamped 3, says the leader of term 3 had origin 3 at 2.
        LogMerger.Report a = new LogMerger.Report(0, List.of(write(2, 1, 1, 9)));
        LogMerger.Report b = new LogMerger.Report(0, List.of(write(3, 3, 3, 4, slot(2, 3, 8))));
        LogMerger.Result r = LogMerger.merge(5, 1, 2, false, new RaftLog(), new IndexSet(), List.of(a, b));
        assertThat(r.entries().get(1).kind()).as("stale index 2").isEqualTo(EntryKind.NOOP);
        assertThat(r.entries().get(2).originTerm()).isEqualTo(3);
    }

    @Test
    void keepsCommittedEntriesBelowTheHighestCommitPrefix() {
        LogMerger.Report leader = new LogMerger.Report(0, List.of());
        LogMerger.Report other = new LogMerger.Report(2, List.of(write(1, 1, 1, 1), write(2, 1, 1, 2)));
        LogMerger.Result r = LogMerger.merge(3, 1, 2, false, new RaftLog(), new IndexSet(), List.of(leader, other));
        assertThat(r.base()).isEqualTo(2);
        assertThat(r.entries()).extracting(Entry::term).containsExactly(1L, 1L);
    }

    @Test
    void naiveMergeKeepsOldStamps() {
        LogMerger.Report a = new LogMerger.Report(0, List.of(write(1, 1, 1, 5)));
        LogMerger.Result r = LogMerger.merge(3, 1, 2, true, new RaftLog(), new IndexSet(), List.of(a));
        assertThat(r.entries().getFirst().term()).isEqualTo(1);
    }
}
