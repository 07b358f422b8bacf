package dev.pfs.parallelraft;

import java.util.List;

/**
 * A leader's side of checkpoint streaming, for a follower that needs entries the leader pruned (a
 * new member, a replaced disk): sends the leader's newest checkpoint in pieces of
 * {@link RaftConfig#checkpointPiece()} bytes, a few pieces ahead of what the follower acknowledged,
 * goes back to the acknowledged offset when the follower stalls or asks, and restarts from the
 * newest checkpoint when the caller no longer holds the one being sent. Once the follower reports
 * the checkpoint installed, ordinary replication resumes above it.
 */
final class CheckpointStreamer {

    /** Pieces in flight ahead of the follower's acknowledgement. */
    static final int WINDOW = 4;
    /** Ticks without progress before going back to the acknowledged offset. */
    private static final int STALL_TICKS = 4;

    private final RaftNode n;

    CheckpointStreamer(RaftNode n) {
        this.n = n;
    }

    /** @return whether {@code p} needs an entry this leader pruned */
    boolean needed(Progress p) {
        return p.streamIndex > 0 || (!p.probe && p.acked.prefix() + 1 < n.log.firstIndex());
    }

    /** Sends the pieces the window allows. */
    void send(int to, Progress p) {
        if (p.streamIndex == 0 && !start(p)) {
            return;
        }
        int piece = n.cfg.checkpointPiece();
        while (!p.streamLastSent && p.streamSent - p.streamAcked < (long) WINDOW * piece) {
            int length = (int) Math.min(piece, p.streamSize - p.streamSent);
            if (!n.checkpoints().available(p.streamIndex, p.streamSent, length)) {
                return;
            }
            byte[] data = n.checkpoints().read(p.streamIndex, p.streamSent, length);
            if (data == null) {
                p.streamIndex = 0;
                return;
            }
            boolean last = p.streamSent + data.length >= p.streamSize;
            n.send(new Message(MessageType.CHECKPOINT, n.id(), to, n.term, p.streamIndex, p.streamTerm, List.of(),
                    p.streamSent, p.streamMembers, last, data));
            p.streamSent += data.length;
            p.streamLastSent = last;
        }
    }

    private boolean start(Progress p) {
        long index = n.checkpointIndex;
        long size = n.checkpoints().size(index);
        if (index < n.log.firstIndex() - 1 || size < 0) {
            return false;
        }
        p.streamIndex = index;
        p.streamSize = size;
        p.streamSent = 0;
        p.streamAcked = 0;
        p.streamStalled = 0;
        p.streamLastSent = false;
        p.streamTerm = n.log.termAt(index);
        p.streamMembers = n.members.at(index).stream().sorted().mapToLong(Integer::longValue).toArray();
        return true;
    }

    /** The follower's answer: how far it got, or that it installed the checkpoint. */
    boolean onResponse(Message m, Progress p) {
        if (p.streamIndex == 0 || m.index() != p.streamIndex) {
            return false;
        }
        if (m.commit() >= p.streamIndex) {
            p.streamIndex = 0;
            return true;
        }
        if (m.logTerm() > p.streamAcked) {
            p.streamStalled = 0;
        }
        p.streamAcked = m.logTerm();
        if (p.streamSent < p.streamAcked || m.logTerm() == 0) {
            p.streamSent = p.streamAcked;
            p.streamLastSent = false;
        }
        return false;
    }

    /** Goes back to the acknowledged offset after a stall (lost pieces or answers). */
    void tick(Progress p) {
        if (p.streamIndex != 0 && ++p.streamStalled >= STALL_TICKS) {
            p.streamStalled = 0;
            p.streamSent = p.streamAcked;
            p.streamLastSent = false;
        }
    }
}
