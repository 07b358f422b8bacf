package dev.pfs.parallelraft;

import static dev.pfs.parallelraft.ScriptedGroup.any;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bad messages and proposals are refused with a reason, counted, and change nothing. */
@Timeout(30)
class BadInputTest {

    private ScriptedGroup g;
    private RaftNode follower;

    @BeforeEach
    void groupWithOneCommittedEntry() {
        g = new ScriptedGroup(Mode.PARALLEL, 3, c -> c);
        g.campaign(1);
        g.deliver(any());
        g.propose(1, 10, 2, new byte[] {1});
        g.deliver(any());
        g.tick(1, 2);
        g.deliver(any());
        g.campaign(2);
        g.deliver(any());
        follower = g.node(1);
        assertThat(follower.role()).isEqualTo(Role.FOLLOWER);
        assertThat(follower.term()).isEqualTo(2);
    }

    private String state(RaftNode n) {
        List<String> log = new ArrayList<>();
        for (long i = 1; i <= n.lastIndex(); i++) {
            log.add(String.valueOf(n.entry(i)));
        }
        return n + " leader " + n.leaderId() + " log " + log;
    }

    private void assertRefused(Message m, RejectReason expected) {
        String before = state(follower);
        long counted = follower.rejections().getOrDefault(expected, 0L);
        assertThat(follower.step(m)).as("%s", m).isEqualTo(expected);
        assertThat(follower.rejections().get(expected)).isEqualTo(counted + 1);
        assertThat(state(follower)).isEqualTo(before);
        Ready rd = follower.ready();
        assertThat(rd.hardState()).isNull();
        assertThat(rd.entries()).isEmpty();
        assertThat(rd.toApply()).isEmpty();
        follower.advance(rd);
    }

    private static Entry write(long index, long term, LbaRange range) {
        return new Entry(index, term, term, EntryKind.WRITE, List.of(range), List.of(), new byte[] {2});
    }

    private static Message append(int from, long term, List<Entry> entries) {
        return new Message(MessageType.APPEND, from, 1, term, 0, 0, entries, 0, null, false);
    }

    @Test
    void rejectsAppendFromAnOldTerm() {
        assertRefused(append(3, 1, List.of(write(2, 1, new LbaRange(0, 1)))), RejectReason.STALE_TERM);
    }

    @Test
    void rejectsMessagesFromUnknownNodesOrForOthers() {
        assertRefused(new Message(MessageType.PRE_VOTE, 9, 1, 3, 0, 0, null, 0, null, false), RejectReason.UNKNOWN_NODE);
        assertRefused(new Message(MessageType.VOTE, 9, 1, 3, 0, 0, null, 0, null, false), RejectReason.UNKNOWN_NODE);
        assertRefused(new Message(MessageType.HEARTBEAT, 2, 3, 2, 0, 0, null, 0, null, false),
                RejectReason.UNKNOWN_NODE);
        assertRefused(new Message(MessageType.HEARTBEAT, 1, 1, 2, 0, 0, null, 0, null, false),
                RejectReason.UNKNOWN_NODE);
    }

    @Test
    void rejectsMalformedMessages() {
        assertRefused(new Message(null, 2, 1, 2, 0, 0, null, 0, null, false), RejectReason.MALFORMED);
        assertRefused(new Message(MessageType.HEARTBEAT, 2, 1, -1, 0, 0, null, 0, null, false),
                RejectReason.MALFORMED);
        assertRefused(new Message(MessageType.HEARTBEAT, 2, 1, 2, 0, 0, List.of(write(2, 2, new LbaRange(0, 1))), 0,
                null, false), RejectReason.MALFORMED);
        assertRefused(append(2, 2, List.of(write(3, 2, new LbaRange(0, 1)), write(2, 2, new LbaRange(0, 1)))),
                RejectReason.MALFORMED);
        assertRefused(append(2, 2, List.of(write(2, 3, new LbaRange(0, 1)))), RejectReason.MALFORMED);
        assertRefused(new Message(MessageType.HEARTBEAT, 2, 1, 2, 0, 0, null, 0, new long[] {5, 3}, false),
                RejectReason.MALFORMED);
    }

    @Test
    void rejectsEntriesWithInvalidLbaRanges() {
        assertRefused(append(2, 2, List.of(write(2, 2, new LbaRange(-1, 1)))), RejectReason.INVALID_LBA);
        assertRefused(append(2, 2, List.of(write(2, 2, new LbaRange(0, 0)))), RejectReason.INVALID_LBA);
        assertRefused(append(2, 2, List.of(write(2, 2, new LbaRange(1020, 5)))), RejectReason.INVALID_LBA);
        assertRefused(append(2, 2, List.of(write(2, 2, new LbaRange(Long.MAX_VALUE, Long.MAX_VALUE)))),
                RejectReason.INVALID_LBA);
        assertRefused(append(2, 2, List.of(new Entry(2, 2, 2, EntryKind.WRITE, List.of(), List.of(), null))),
                RejectReason.INVALID_LBA);
        Entry badLbb = new Entry(5, 2, 2, EntryKind.WRITE, List.of(new LbaRange(0, 1)),
                List.of(new LbbSlot(1, 1, List.of(new LbaRange(0, 1)))), null);
        assertRefused(append(2, 2, List.of(badLbb)), RejectReason.INVALID_LBA);
    }

    @Test
    void rejectsMalformedCheckpointPiecesAndMembershipEntries() {
        byte[] tooBig = new byte[RaftConfig.DEFAULT_CHECKPOINT_PIECE + 1];
        assertRefused(new Message(MessageType.CHECKPOINT, 2, 1, 2, 5, 1, null, 0, new long[] {1, 2, 3}, false, tooBig),
                RejectReason.MALFORMED);
        assertRefused(new Message(MessageType.CHECKPOINT, 2, 1, 2, 5, 1, null, 0, null, true, new byte[] {1}),
                RejectReason.MALFORMED);
        assertRefused(new Message(MessageType.HEARTBEAT, 2, 1, 2, 0, 0, null, 0, null, false, new byte[] {1}),
                RejectReason.MALFORMED);
        Entry noMembers = new Entry(2, 2, 2, EntryKind.CONFIG, List.of(), List.of(), new byte[0]);
        Entry oddBytes = new Entry(2, 2, 2, EntryKind.CONFIG, List.of(), List.of(), new byte[] {0, 0, 0, 1, 0});
        Entry twice = Entry.config(2, 2, List.of(1, 2, 2));
        Entry negative = Entry.config(2, 2, List.of(1, -2));
        for (Entry e : List.of(noMembers, oddBytes, twice, negative)) {
            assertRefused(append(2, 2, List.of(e)), RejectReason.MALFORMED);
        }
        assertThat(follower.members()).containsExactly(1, 2, 3);
    }

    @Test
    void countsADuplicatedAppendAndChangesNothing() {
        Message m = append(2, 2, List.of(write(2, 2, new LbaRange(0, 1))));
        assertThat(follower.step(m)).isEqualTo(RejectReason.NONE);
        follower.advance(follower.ready());
        assertRefused(m, RejectReason.DUPLICATE);
    }

    @Test
    void refusesBadProposals() {
        RaftNode leader = g.node(2);
        assertThat(leader.readyToServe()).isTrue();
        long last = leader.lastIndex();
        assertThat(leader.propose(List.of(new LbaRange(1023, 2)), null).reason()).isEqualTo(RejectReason.INVALID_LBA);
        assertThat(leader.propose(List.of(), null).reason()).isEqualTo(RejectReason.INVALID_LBA);
        assertThat(follower.propose(List.of(new LbaRange(0, 1)), null).reason()).isEqualTo(RejectReason.NOT_LEADER);
        assertThat(leader.lastIndex()).isEqualTo(last);
        assertThat(leader.rejections()).containsEntry(RejectReason.INVALID_LBA, 2L);
    }

    @Test
    void rejectsInvalidConfiguration() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> RaftConfig.defaults(4, List.of(1, 2, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must contain id 4");
    }
}
