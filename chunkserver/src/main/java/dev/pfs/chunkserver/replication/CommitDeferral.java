package dev.pfs.chunkserver.replication;

import dev.pfs.chunkserver.wal.WalRecord;
import dev.pfs.parallelraft.HardState;
import dev.pfs.parallelraft.Ready;
import dev.pfs.parallelraft.Role;
import java.util.Collection;
import java.util.List;

/**
 * When a leader's hard state that moved only its commit prefix is logged: not on its own, but with
 * the group's next frame ({@link ReplicaGroup#deferredHard} holds it meanwhile).
 *
 * <p>Why that is safe: a leader reports its commit prefix in APPENDs and heartbeats that leave
 * before its own log write ({@code ReplicationAgent.sendsBeforeLogging}), and answers what
 * committed before the round's write, so its durable commit prefix already trailed what it told
 * others. A restart before the deferred hard state is logged recovers a smaller commit prefix, as
 * a crash before the write always could: the entries are in the logs, and the group commits them
 * again. Followers keep logging theirs before they report them (the library's safe prefix and
 * merge base rest on that). Why it pays: written alone, the commit-only hard state cost one FUA
 * write per committed client write and held the group's next Ready (the next write's entry)
 * behind it. Used on the agent's thread only.
 */
final class CommitDeferral {
    private CommitDeferral() {
    }

    /**
     * @return whether leader {@code g} may leave Ready {@code rd}'s hard state unlogged for now: it
     *         moves only the commit prefix past the one logged, the Ready logs nothing else, and its
     *         messages (if any) already left ({@code early})
     */
    static boolean defers(ReplicaGroup g, Ready rd, boolean early) {
        HardState hard = rd.hardState();
        HardState logged = g.hard;
        return g.node.role() == Role.LEADER && rd.entries().isEmpty() && rd.truncateAfter() < 0
                && rd.installCheckpoint() < 0 && rd.checkpointPieces().isEmpty()
                && (early || rd.messages().isEmpty())
                && hard.term() == logged.term()
                && hard.votedFor() == logged.votedFor() && hard.compactIndex() == logged.compactIndex()
                && hard.compactTerm() == logged.compactTerm() && hard.compactOrigin() == logged.compactOrigin()
                && hard.members().equals(logged.members());
    }

    /**
     * @param logs whether Ready {@code rd} (which has no hard state of its own) logs records
     * @return {@code g}'s deferred hard state if it must be logged with {@code rd}: when the Ready
     *         logs anyway, or holds messages that wait for its log write; else null
     */
    static HardState rider(ReplicaGroup g, Ready rd, boolean early, boolean logs) {
        return g.deferredHard != null && (logs || !early && !rd.messages().isEmpty()) ? g.deferredHard : null;
    }

    /**
     * At a tick: adds to {@code records} (the next round's) the deferred hard state of every group
     * with nothing in flight, so a quiet group's commit prefix is logged within a tick.
     */
    static void logAll(Collection<ReplicaGroup> groups, List<WalRecord> records) {
        for (ReplicaGroup g : groups) {
            if (g.deferredHard != null && g.inFlight == 0 && g.parked == null) {
                records.add(ReplicationLog.hardState(g.spec.chunkId(), g.deferredHard));
                g.hard = g.deferredHard;
                g.deferredHard = null;
            }
        }
    }
}
