package dev.pfs.parallelraft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A follower whose caller persists several Readies at once, completing out of order: nothing it
 * sends claims an entry whose write is still in flight, a strict follower acknowledges the rest
 * once the earlier write landed, and a restart from a disk with a hole keeps strict mode's log
 * contiguous.
 */
@Timeout(30)
class PipelinedReadyTest {

    private ScriptedGroup g;
    private RaftNode follower;
    private long x;
    private long y;
    /** Holds {@code x}, still in flight when {@link #r2} is handed out. */
    private Ready r1;
    /** Holds {@code y} and answers a retransmission of {@code x}. */
    private Ready r2;

    /**
     * Leader 1 commits {@code x} with node 3; follower 2 gets {@code x} (Ready r1, kept in
     * flight), then {@code y} and a retransmission of {@code x} (Ready r2).
     */
    private void twoReadiesInFlight(Mode mode) {
        g = new ScriptedGroup(mode, 3, c -> c);
        g.campaign(1);
        g.deliver(ScriptedGroup.any());
        follower = g.node(2);
        x = g.propose(1, 10, 1, new byte[] {1}).index();
        Message ax = takeAppendTo(2);
        g.deliver(m -> m.to() != 2);
        assertThat(g.node(1).commitPrefix()).isGreaterThanOrEqualTo(x);
        follower.step(ax);
        r1 = follower.ready();
        assertThat(r1.entries()).extracting(Entry::index).contains(x);
        y = g.propose(1, 20, 1, new byte[] {2}).index();
        follower.step(takeAppendTo(2));
        follower.step(ax);
        r2 = follower.ready();
        assertThat(r2.entries()).extracting(Entry::index).containsExactly(y);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void nothingSentClaimsAWriteStillInFlight(Mode mode) {
        twoReadiesInFlight(mode);
        assertClaimsBelow(r2, x, mode);
        if (mode == Mode.STRICT) {
            assertThat(follower.appliedPrefix()).as("x is committed, so applied").isGreaterThanOrEqualTo(x);
            assertThat(follower.checkpointed(x)).as("no checkpoint over a write in flight").isFalse();
        }
        follower.advance(r2);
        Ready r3 = follower.ready();
        assertClaimsBelow(r3, x, mode);
        follower.advance(r3);
        assertThat(acks(r1)).as("the Ready that writes x acknowledges it").contains(x);
        follower.advance(r1);
        assertThat(follower.checkpointed(Math.min(x, follower.appliedPrefix()))).isTrue();
        Ready r4 = follower.ready();
        if (mode == Mode.STRICT) {
            assertThat(follower.acksDeferred()).isPositive();
            assertThat(r4.messages()).as("strict: acknowledges y once x landed")
                    .anySatisfy(m -> assertThat(m.type() == MessageType.APPEND_RESP && m.index() == y).isTrue());
        }
        follower.advance(r4);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void restartAfterTheLaterReadyLandedAlone(Mode mode) {
        twoReadiesInFlight(mode);
        List<Entry> disk = new ArrayList<>(g.disks.get(2).values());
        disk.addAll(r2.entries());
        HardState hard = r2.hardState() != null ? r2.hardState() : g.hard.get(2);
        RaftNode restarted = new RaftNode(g.configs.get(2), hard, disk);
        assertThat(restarted.entry(x)).isNull();
        assertThat(restarted.commitPrefix()).isLessThan(x);
        if (mode == Mode.STRICT) {
            assertThat(restarted.lastIndex()).as("strict drops what lies above the hole").isEqualTo(x - 1);
        } else {
            assertThat(restarted.entry(y)).as("ParallelRaft keeps entries above a hole").isNotNull();
        }
    }

    @Test
    void whileAHardStateCoversItsOwnEntryInFlightNothingElseLeaves() {
        g = new ScriptedGroup(Mode.STRICT, 3, c -> c);
        g.campaign(1);
        g.deliver(ScriptedGroup.any());
        follower = g.node(2);
        x = g.propose(1, 10, 1, new byte[] {1}).index();
        takeAppendTo(2);
        g.deliver(m -> m.to() != 2);
        g.drop(m -> m.to() == 2);
        g.tick(1, 8);
        Message resent = takeAppendTo(2);
        assertThat(resent.commit()).as("the leader retransmits x with its commit").isGreaterThanOrEqualTo(x);
        follower.step(resent);
        Ready first = follower.ready();
        assertThat(first.hardState().commit()).as("x lands with the hard state naming it committed")
                .isGreaterThanOrEqualTo(x);
        follower.step(new Message(MessageType.HEARTBEAT, 1, 2, follower.term(), 0, 0, List.of(), x, null, false));
        Ready second = follower.ready();
        assertThat(second.hardState()).as("could neither shrink the commit prefix nor cover x").isNull();
        assertThat(second.messages()).as("a reply may rely on the hard state still in flight").isEmpty();
        follower.advance(second);
        follower.advance(first);
        assertThat(follower.ready().messages()).as("released once it landed").isNotEmpty();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aReplyWhileTheNewTermIsInFlightCarriesTheHardStateAgain(Mode mode) {
        RaftNode n = new RaftNode(new RaftConfig(1, List.of(1, 2, 3), mode, 2, 10, 2, 16, 16, false, false, 1024, 1,
                false));
        Message beat = new Message(MessageType.HEARTBEAT, 2, 1, 5, 0, 0, List.of(), 0, null, false);
        n.step(beat);
        Ready first = n.ready();
        assertThat(first.hardState().term()).isEqualTo(5);
        n.step(beat);
        Ready second = n.ready();
        assertThat(second.messages()).isNotEmpty();
        assertThat(second.hardState()).as("the reply relies on term 5, still in flight").isNotNull();
        assertThat(second.hardState().term()).isEqualTo(5);
        n.advance(second);
        n.advance(first);
        n.step(beat);
        assertThat(n.ready().hardState()).as("nothing in flight, nothing changed").isNull();
    }

    /**
     * Asserts no reported commit prefix or hard state of {@code rd} reaches {@code index}, and no
     * acknowledgement covers it (strict: every acknowledged prefix ends below it).
     */
    private static void assertClaimsBelow(Ready rd, long index, Mode mode) {
        if (rd.hardState() != null) {
            assertThat(rd.hardState().commit()).isLessThan(index);
        }
        for (Message m : rd.messages()) {
            if (m.type() == MessageType.APPEND_RESP || m.type() == MessageType.HEARTBEAT_RESP) {
                assertThat(m.commit()).as("%s", m).isLessThan(index);
            }
        }
        if (mode == Mode.STRICT) {
            assertThat(acks(rd)).as("acknowledged while in flight: %s", rd.messages()).allMatch(i -> i < index);
        } else {
            assertThat(acks(rd)).as("acknowledged while in flight: %s", rd.messages()).doesNotContain(index);
        }
    }

    private static List<Long> acks(Ready rd) {
        List<Long> acks = new ArrayList<>();
        for (Message m : rd.messages()) {
            if (m.type() == MessageType.APPEND_RESP && !m.reject()) {
                if (m.indices().length == 0) {
                    acks.add(m.index());
                }
                for (long i : m.indices()) {
                    acks.add(i);
                }
            }
        }
        return acks;
    }

    private Message takeAppendTo(int id) {
        for (Iterator<Message> it = g.inflight.iterator(); it.hasNext();) {
            Message m = it.next();
            if (m.to() == id && m.type() == MessageType.APPEND && !m.entries().isEmpty()) {
                it.remove();
                return m;
            }
        }
        throw new AssertionError("no APPEND to " + id + " in flight: " + g.inflight);
    }
}
