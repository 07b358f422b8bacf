package dev.pfs.parallelraft;

import java.util.ArrayList;
import java.util.List;

/**
 * A follower's side of checkpoint streaming: takes the leader's pieces strictly in order, hands
 * each to the caller to write durably, acknowledges the next offset it wants (after the write),
 * and installs the checkpoint when the last piece arrives. Pieces of one stream come from one
 * leader: a leader change drops a partial stream, since two leaders need not encode a checkpoint
 * the same way.
 */
final class CheckpointReceiver {

    private final RaftNode n;
    private long index = -1;
    private long expected;

    CheckpointReceiver(RaftNode n) {
        this.n = n;
    }

    void reset() {
        index = -1;
        expected = 0;
    }

    RejectReason receive(Message m) {
        if (m.index() <= n.committed.prefix()) {
            respond(m, 0);
            return RejectReason.DUPLICATE;
        }
        if (n.pending.holdsCheckpointOtherThan(m.index())) {
            return RejectReason.BUSY;
        }
        if (m.index() != index) {
            if (m.commit() != 0) {
                respond(m, 0);
                return RejectReason.DUPLICATE;
            }
            index = m.index();
            expected = 0;
        }
        if (m.commit() != expected) {
            respond(m, expected);
            return RejectReason.DUPLICATE;
        }
        n.pending.received(new CheckpointPiece(index, expected, m.data(), m.reject()));
        expected += m.data().length;
        if (m.reject()) {
            List<Integer> members = new ArrayList<>(m.indices().length);
            for (long id : m.indices()) {
                members.add((int) id);
            }
            install(index, m.logTerm(), members);
        }
        respond(m, expected);
        if (m.reject()) {
            reset();
        }
        return RejectReason.NONE;
    }

    /**
     * Takes a streamed checkpoint of the committed prefix {@code index} as the node's applied
     * state: entries up to it are dropped, entries above it are applied again over it. In strict
     * mode the log above is kept only if it continues the checkpoint's stamp (Raft's rule).
     */
    private void install(long index, long stamp, List<Integer> membersThere) {
        Entry there = n.log.get(index);
        if (n.cfg.mode() == Mode.STRICT && (there == null || there.term() != stamp)) {
            n.truncate(index);
        }
        // The proposals a checkpoint covers are not sent, but its stamp bounds M4b's evidence: an
        // entry committed above the checkpoint's index carries, on every merge quorum, a stamp at
        // least this one (docs/parallelraft.md "Why M4b is safe and needed"), so an entry held
        // above it with a lower stamp never committed. Taking 0 here let a deposed leader that
        // caught up by a checkpoint commit its old tail above newer acknowledged writes.
        n.log.compact(index, stamp, stamp);
        n.pending.installed(index);
        n.members.installed(index, membersThere);
        n.committed.addPrefix(index);
        n.applied.clear(index);
        n.checkpointIndex = Math.max(n.checkpointIndex, index);
        n.maxTerm = n.log.maxTerm();
        n.hardStateDirty = true;
    }

    private void respond(Message m, long wanted) {
        n.send(new Message(MessageType.CHECKPOINT_RESP, n.id(), m.from(), n.term, m.index(), wanted, List.of(),
                n.committed.prefix(), null, false));
    }
}
