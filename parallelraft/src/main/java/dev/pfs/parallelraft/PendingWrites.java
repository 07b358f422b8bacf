package dev.pfs.parallelraft;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a node must still hand its caller to persist (entries, a truncation, checkpoint pieces and
 * an install, the hard state), what it handed out and the caller has not yet confirmed, and how
 * that bounds what the next {@link Ready} may claim: its messages and hard state may only rely on
 * writes durable once it is (see {@link Ready} for the caller's rules).
 */
final class PendingWrites {

    /** Indices stored in memory whose current entry is not yet durable. */
    final Set<Long> unstable = new HashSet<>();
    final InFlightWrites inFlight = new InFlightWrites();
    private final List<Entry> toPersist = new ArrayList<>();
    private long truncateAfter = -1;
    private final List<CheckpointPiece> pieces = new ArrayList<>();
    private long install = -1;
    /** Commit prefix in the last hard state handed out. */
    private long hardCommit;
    /**
     * Readies handed out with a hard state and not yet advanced. While one is in flight, a Ready
     * with messages carries the hard state again: its messages may rely on that state (a new term,
     * a vote, a reported commit prefix), and a later hard state supersedes the earlier ones.
     */
    private int hardStatesInFlight;
    /**
     * Readies handed out that truncate or carry a checkpoint, not yet advanced. The caller starts
     * later Readies' writes after such a one, but a later Ready with messages only would send them
     * at once: an answer relying on the truncation or the pieces (a CHECKPOINT_RESP acknowledging
     * them, a commit prefix an install raised) must wait until it is durable. A later barrier may
     * carry them: it lands after every earlier Ready.
     */
    private int barriersInFlight;

    PendingWrites(long hardCommit) {
        this.hardCommit = hardCommit;
    }

    void stored(Entry e) {
        inFlight.replaced(e.index());
        toPersist.add(e);
        unstable.add(e.index());
    }

    void truncated(long after) {
        toPersist.removeIf(e -> e.index() > after);
        unstable.removeIf(i -> i > after);
        inFlight.truncated(after);
        truncateAfter = truncateAfter < 0 ? after : Math.min(truncateAfter, after);
    }

    void received(CheckpointPiece piece) {
        pieces.add(piece);
    }

    /**
     * @return whether the next Ready already carries the install of a checkpoint, or pieces of one
     *         other than {@code index}: a Ready carries the pieces of one checkpoint, and installs
     *         only that one
     */
    boolean holdsCheckpointOtherThan(long index) {
        return install >= 0 || (!pieces.isEmpty() && pieces.get(0).index() != index);
    }

    /** A checkpoint at {@code index} replaces the log up to it. */
    void installed(long index) {
        toPersist.removeIf(e -> e.index() <= index);
        unstable.removeIf(i -> i <= index);
        install = index;
    }

    /**
     * Builds the next Ready of {@code n}: its pending writes, the messages it queued (bounded by
     * what will be durable when they leave), the hard state if it changed, and {@code apply}.
     */
    Ready build(RaftNode n, List<Entry> apply) {
        // A Ready that truncates or carries a checkpoint lands after every earlier one (Ready's
        // rules), so nothing is in flight for it.
        boolean barrier = truncateAfter >= 0 || install >= 0 || !pieces.isEmpty();
        long durable = barrier ? Long.MAX_VALUE : inFlight.durableThrough(n.checkpointIndex);
        HardState hs = null;
        List<Message> msgs = List.of();
        // The last hard state handed out may cover entries written with it, in the same Ready. While
        // that Ready is in flight no hard state may follow (its commit could neither shrink nor cover
        // those entries), nor any message (it may rely on a hard state): they wait for the next call.
        // While a barrier is in flight only another barrier may carry them: it lands after every
        // earlier Ready. The one that installs a checkpoint must: its hard state is the only record
        // of the stamp and members at the checkpoint, and a restart from the installed checkpoint
        // without them refuses its leader's APPENDs above it for good.
        if ((barrier || barriersInFlight == 0) && hardCommit <= durable) {
            long commit = Math.max(hardCommit, Math.min(n.committed.prefix(), durable));
            msgs = InFlightWrites.capCommits(n.appender.bound(n.out, durable), commit);
            n.out.clear();
            if (n.hardStateDirty || commit != hardCommit || (hardStatesInFlight > 0 && !msgs.isEmpty())) {
                hardCommit = commit;
                hs = new HardState(n.term, n.votedFor, hardCommit, n.log.firstIndex() - 1, n.log.compactTerm(),
                        n.members.base(), n.log.compactOrigin());
                hardStatesInFlight++;
                n.hardStateDirty = false;
            }
        }
        Ready rd = new Ready(hs, truncateAfter, List.copyOf(toPersist), msgs, apply, List.copyOf(pieces), install);
        if (barrier) {
            barriersInFlight++;
        }
        inFlight.handedOut(toPersist, n.log);
        truncateAfter = -1;
        toPersist.clear();
        pieces.clear();
        install = -1;
        return rd;
    }

    private static boolean isBarrier(Ready rd) {
        return rd.truncateAfter() >= 0 || rd.installCheckpoint() >= 0 || !rd.checkpointPieces().isEmpty();
    }

    /** The caller confirmed {@code rd} durable. */
    void landed(Ready rd, RaftLog log) {
        for (Entry e : rd.entries()) {
            if (log.get(e.index()) == e) {
                unstable.remove(e.index());
            }
        }
        inFlight.landed(rd.entries());
        if (rd.hardState() != null && hardStatesInFlight > 0) {
            hardStatesInFlight--;
        }
        if (isBarrier(rd) && barriersInFlight > 0) {
            barriersInFlight--;
        }
    }
}
