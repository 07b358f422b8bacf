package dev.pfs.parallelraft;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a node does while it leads a term: the merge stage (ParallelRaft), replication with
 * pipelining and batching, counting acknowledgements into commits, heartbeats, check-quorum and
 * leadership transfer.
 */
final class Leader {

    private final RaftNode n;
    private final RaftConfig cfg;
    private final Map<Integer, Progress> peers = new HashMap<>();
    private final IndexSet self = new IndexSet();
    private final List<LogMerger.Report> reports = new ArrayList<>();
    private final long mergeFrom;
    private boolean merged;
    private boolean mergeDone;
    private long mergeEnd;
    private int transferTarget;
    /** TIMEOUT_NOW sent to the transfer target; proposals stay refused until the transfer times out. */
    private boolean handedOver;
    private int transferTicks;
    /** A membership change waiting for every earlier entry to commit before it is appended. */
    private List<Integer> queuedMembers;
    private final CheckpointStreamer streamer;

    Leader(RaftNode n) {
        this.n = n;
        this.cfg = n.cfg;
        this.streamer = new CheckpointStreamer(n);
        this.mergeFrom = n.committed.prefix() + 1;
        syncPeers();
    }

    /** Tracks exactly the current members other than this node (a change adds or drops one). */
    private void syncPeers() {
        List<Integer> members = n.members.current();
        peers.keySet().removeIf(id -> !members.contains(id));
        for (int id : members) {
            if (id != n.id() && !peers.containsKey(id)) {
                Progress p = new Progress();
                p.next = n.log.lastIndex() + 1;
                p.reported = merged;
                peers.put(id, p);
            }
        }
    }

    /** @return 1 if this node counts towards quorums (it is a member) and {@code held}, else 0 */
    private int selfVote(boolean held) {
        return held && n.members.contains(n.id()) ? 1 : 0;
    }

    /**
     * Counts this node only for what it holds durably: the pruned prefix (its checkpoint covers
     * it) and every entry whose write landed. Not its commit prefix: a follower learns entries are
     * committed while its own write of them is still in flight, and in strict mode a crash then
     * drops every entry above that hole at restart, durable or not, so counting the commit prefix
     * would let this node count itself for later entries it does not keep.
     */
    void start() {
        self.addPrefix(n.log.firstIndex() - 1);
        long upTo = cfg.mode() == Mode.STRICT ? n.log.lastIndex() : n.committed.prefix();
        for (long i = n.log.firstIndex(); i <= upTo; i++) {
            if (n.log.get(i) != null && !n.pending.unstable.contains(i)) {
                self.add(i);
            }
        }
        if (cfg.mode() == Mode.STRICT) {
            merged = true;
            mergeDone = true;
            n.store(Entry.noop(n.log.lastIndex() + 1, n.term));
            broadcastHeartbeat();
            return;
        }
        reports.add(new LogMerger.Report(n.committed.prefix(), n.log.range(mergeFrom, n.log.lastIndex())));
        askForLogs();
        maybeMerge();
    }

    boolean acceptsProposals() {
        return mergeDone && transferTarget == 0 && !changingMembers();
    }

    /** @return whether a membership change is queued or appended and not yet committed */
    boolean changingMembers() {
        return queuedMembers != null || n.members.latestIndex() > n.committed.prefix();
    }

    void queueMembership(List<Integer> next) {
        queuedMembers = List.copyOf(next);
        maybeAppendMembership();
    }

    /** Appends the queued change once every earlier entry is committed (one change at a time). */
    private void maybeAppendMembership() {
        if (queuedMembers != null && mergeDone && n.committed.prefix() == n.log.lastIndex()) {
            n.store(Entry.config(n.log.lastIndex() + 1, n.term, queuedMembers));
            queuedMembers = null;
            syncPeers();
        }
    }

    boolean transferring() {
        return transferTarget != 0;
    }

    // ---- merge stage -------------------------------------------------------------------------

    private void askForLogs() {
        for (Map.Entry<Integer, Progress> pe : peers.entrySet()) {
            if (!pe.getValue().reported) {
                n.send(new Message(MessageType.MERGE_REQ, n.id(), pe.getKey(), n.term, mergeFrom, 0, List.of(), 0,
                        null, false));
            }
        }
    }

    private RejectReason onMergeResp(Message m, Progress p) {
        if (p.reported || m.index() != mergeFrom) {
            return RejectReason.DUPLICATE;
        }
        p.reported = true;
        p.acked.addPrefix(m.commit());
        p.reportedCommit = Math.max(p.reportedCommit, m.commit());
        p.next = m.commit() + 1;
        p.probe = false;
        // A report whose log was pruned above the asked index cannot supply committed entries
        // the leader lacks; it does not count towards the merge quorum (the voters' reports do).
        if (!merged && m.logTerm() < mergeFrom) {
            reports.add(new LogMerger.Report(m.commit(), m.entries()));
            maybeMerge();
        }
        return RejectReason.NONE;
    }

    private void maybeMerge() {
        if (reports.size() < n.members.quorum()) {
            return;
        }
        LogMerger.Result r = LogMerger.merge(n.term, mergeFrom, cfg.lookBehind(), cfg.naiveMerge(), n.log, n.committed,
                reports);
        reports.clear();
        for (Entry e : r.entries()) {
            if (!e.equals(n.log.get(e.index()))) {
                n.store(e);
            } else if (!n.pending.unstable.contains(e.index())) {
                self.add(e.index());
            }
        }
        merged = true;
        mergeEnd = r.end();
        syncPeers();
        n.committed.addPrefix(r.base());
        maybeCommit();
    }

    // ---- replication -------------------------------------------------------------------------

    void sendAppends() {
        if (!merged) {
            return;
        }
        maybeAppendMembership();
        for (Map.Entry<Integer, Progress> pe : peers.entrySet()) {
            Progress p = pe.getValue();
            if (streamer.needed(p)) {
                streamer.send(pe.getKey(), p);
                continue;
            }
            int window = p.probePrev >= 0 ? 1 : cfg.maxInflight();
            while (!p.probe && p.inflight < window && p.next <= n.log.lastIndex()) {
                if (!sendBatch(pe.getKey(), p)) {
                    break;
                }
            }
        }
    }

    private boolean sendBatch(int to, Progress p) {
        List<Entry> batch = new ArrayList<>();
        long i = p.next;
        long last = n.log.lastIndex();
        if (cfg.mode() == Mode.STRICT) {
            if (p.next < n.log.firstIndex()) {
                return false;
            }
            for (; i <= last && batch.size() < cfg.maxBatch(); i++) {
                batch.add(n.log.get(i));
            }
            n.send(new Message(MessageType.APPEND, n.id(), to, n.term, p.next - 1, n.log.termAt(p.next - 1), batch,
                    n.committed.prefix(), null, false));
            p.windowEnds.addLast(i - 1);
        } else {
            for (i = Math.max(i, n.log.firstIndex()); i <= last && batch.size() < cfg.maxBatch(); i++) {
                if (!p.acked.contains(i)) {
                    batch.add(n.log.get(i));
                }
            }
            if (batch.isEmpty()) {
                p.next = i;
                return true;
            }
            sendParallelAppend(to, p, batch);
        }
        p.next = i;
        p.inflight++;
        return true;
    }

    /** Committed indices above {@code cp} that this follower acknowledged: those it may mark committed. */
    private long[] committedFor(Progress p, long cp) {
        long[] buf = new long[16];
        int k = 0;
        for (long x = n.committed.nextAbove(cp); x > 0 && x <= p.acked.prefix(); x = n.committed.nextAbove(x)) {
            buf = add(buf, k++, x);
        }
        for (long x = p.acked.nextAbove(cp); x > 0; x = p.acked.nextAbove(x)) {
            if (n.committed.contains(x)) {
                buf = add(buf, k++, x);
            }
        }
        return java.util.Arrays.copyOf(buf, k);
    }

    private static long[] add(long[] buf, int k, long x) {
        long[] b = k < buf.length ? buf : java.util.Arrays.copyOf(buf, buf.length * 2);
        b[k] = x;
        return b;
    }

    RejectReason onResponse(Message m) {
        Progress p = peers.get(m.from());
        if (p == null) {
            return RejectReason.UNKNOWN_NODE;
        }
        p.recentActive = true;
        p.silentTicks = 0;
        p.released = false;
        if (m.reject() && m.type() == MessageType.HEARTBEAT_RESP) {
            return RejectReason.NONE;
        }
        p.reportedCommit = Math.max(p.reportedCommit, m.commit());
        return switch (m.type()) {
            case MERGE_RESP -> onMergeResp(m, p);
            case CHECKPOINT_RESP -> {
                if (streamer.onResponse(m, p) && ackPrefix(p, m.commit())) {
                    p.probe = false;
                    restartWindow(p, p.acked.prefix() + 1);
                    maybeCommit();
                }
                yield RejectReason.NONE;
            }
            case HEARTBEAT_RESP -> {
                ackPrefix(p, m.commit());
                if (p.probe && merged) {
                    p.probe = false;
                    restartWindow(p, p.acked.prefix() + 1);
                }
                yield RejectReason.NONE;
            }
            default -> onAppendResp(m, p);
        };
    }

    private RejectReason onAppendResp(Message m, Progress p) {
        if (m.reject() && cfg.mode() == Mode.PARALLEL) {
            return resendHoles(m, p);
        }
        if (m.reject()) {
            ackPrefix(p, m.commit());
            return onStrictReject(m, p);
        }
        if (cfg.mode() == Mode.PARALLEL) {
            p.inflight = Math.max(0, p.inflight - 1);
        }
        boolean news = ackPrefix(p, m.commit());
        if (cfg.mode() == Mode.STRICT) {
            news |= ackPrefix(p, m.index());
        } else {
            long before = p.acked.prefix();
            for (long x : m.indices()) {
                if (x <= n.log.lastIndex() && p.acked.add(x)) {
                    news = true;
                    countParallel(x);
                }
            }
            if (p.acked.prefix() > before) {
                p.stalledTicks = 0;
                freeSlots(p);
            }
        }
        if (news) {
            maybeCommit();
        }
        maybeFinishTransfer();
        return news ? RejectReason.NONE : RejectReason.DUPLICATE;
    }

    /**
     * Strict mode: the follower refused an APPEND ({@code logTerm} its previous index) or reports a
     * gap ({@code logTerm} 0); {@code index} is where its log may match. Answered once per window:
     * the leader sends one APPEND from there (a probe) and takes only the refusal of that probe as
     * news until it is acknowledged. The other refusals of a window come from the same mismatch
     * (or from earlier windows, overtaken), and answering each with a new window multiplies the
     * APPENDs in flight by the window at every round trip.
     */
    private RejectReason onStrictReject(Message m, Progress p) {
        long refused = m.logTerm();
        long acked = p.acked.prefix();
        // A gap report during a probe is news if the follower's log ends below the probe's previous
        // index (it lost entries in a restart): the probe then waits in its reorder buffer forever.
        // Outside a probe, a refusal of an APPEND beyond the follower's reorder buffer (its log ends
        // more than one entry below the APPEND's previous index) is no news either: the entries
        // between are on the way or lost, and a lost one shows as a gap report or a stall.
        // Restarting the window for it left the old window in flight beside the new one, which
        // overflowed the buffer again (soak seed 11890).
        boolean beyondBuffer = refused > 0 && m.index() < refused - 1;
        boolean answer = p.probePrev >= 0 ? refused == p.probePrev || (refused == 0 && m.index() < p.probePrev)
                : refused == 0 ? m.index() >= acked && m.index() + 1 < p.next : refused > acked && !beyondBuffer;
        if (!answer) {
            return RejectReason.DUPLICATE;
        }
        restartWindow(p, Math.max(acked + 1, Math.min(p.next, m.index() + 1)));
        if (refused == 0 && p.probePrev < 0) {
            // A gap report repeats every tick until the gap is filled: answer it with one APPEND
            // that fills it, not a whole window per tick.
            p.probePrev = p.next - 1;
        }
        return RejectReason.NONE;
    }

    /**
     * Sends from {@code next} again, as a fresh window: every slot free; a probe of one APPEND
     * when the follower's log is not yet known to match just below {@code next}.
     */
    private void restartWindow(Progress p, long next) {
        p.next = next;
        p.inflight = 0;
        p.windowEnds.clear();
        p.stalledTicks = 0;
        p.probePrev = next - 1 > p.acked.prefix() ? next - 1 : -1;
    }

    /** Fast catch-up: the follower named holes (from look-behind buffers); send exactly those entries. */
    private RejectReason resendHoles(Message m, Progress p) {
        ackPrefix(p, m.commit());
        if (!merged || streamer.needed(p)) {
            return RejectReason.NONE;
        }
        List<Entry> batch = new ArrayList<>();
        for (long x : m.indices()) {
            Entry e = n.log.get(x);
            if (e != null && !p.acked.contains(x) && batch.size() < cfg.maxBatch()) {
                batch.add(e);
            }
        }
        if (batch.isEmpty()) {
            return RejectReason.DUPLICATE;
        }
        sendParallelAppend(m.from(), p, batch);
        return RejectReason.NONE;
    }

    /** A ParallelRaft APPEND: the entries, and what the follower may mark committed. */
    private void sendParallelAppend(int to, Progress p, List<Entry> batch) {
        long cp = Math.min(n.committed.prefix(), p.acked.prefix());
        n.send(new Message(MessageType.APPEND, n.id(), to, n.term, 0, 0, batch, cp, committedFor(p, cp), false));
    }

    private boolean ackPrefix(Progress p, long upTo) {
        long capped = Math.min(upTo, n.log.lastIndex());
        if (capped <= p.acked.prefix()) {
            return false;
        }
        p.acked.addPrefix(capped);
        p.next = Math.max(p.next, p.acked.prefix() + 1);
        p.stalledTicks = 0;
        freeSlots(p);
        return true;
    }

    /**
     * Every APPEND sent to {@code p} is answered once its acknowledged prefix reaches
     * {@code next - 1}, whatever told the leader (an APPEND_RESP, the commit prefix in any
     * answer, a merge report): the slots of APPENDs or answers that were lost are free again, and
     * the follower's log is known to match, so a probe is over.
     */
    private static void freeSlots(Progress p) {
        while (!p.windowEnds.isEmpty() && p.windowEnds.peekFirst() <= p.acked.prefix()) {
            p.windowEnds.removeFirst();
            p.inflight--;
        }
        if (p.acked.prefix() >= p.next - 1) {
            p.inflight = 0;
            p.windowEnds.clear();
        }
        if (p.acked.prefix() >= p.probePrev) {
            p.probePrev = -1;
        }
    }

    void persisted(List<Entry> entries) {
        for (Entry e : entries) {
            if (n.log.get(e.index()) == e) {
                self.add(e.index());
                if (cfg.mode() == Mode.PARALLEL) {
                    countParallel(e.index());
                }
            }
        }
        maybeCommit();
    }

    // ---- commit ------------------------------------------------------------------------------

    private void countParallel(long x) {
        if (!mergeDone || x <= mergeEnd || n.committed.contains(x)) {
            return;
        }
        int count = selfVote(self.contains(x));
        for (Progress p : peers.values()) {
            if (p.acked.contains(x)) {
                count++;
            }
        }
        if (count >= n.members.quorum()) {
            n.committed.add(x);
        }
    }

    private void maybeCommit() {
        if (cfg.mode() == Mode.STRICT) {
            long[] acks = new long[peers.size() + selfVote(true)];
            int k = 0;
            if (selfVote(true) == 1) {
                acks[k++] = self.prefix();
            }
            for (Progress p : peers.values()) {
                acks[k++] = p.acked.prefix();
            }
            java.util.Arrays.sort(acks);
            long q = acks[acks.length - n.members.quorum()];
            if (q > n.committed.prefix() && n.log.termAt(q) == n.term) {
                n.committed.addPrefix(q);
            }
            return;
        }
        if (!merged || mergeDone) {
            return;
        }
        int count = selfVote(self.prefix() >= mergeEnd);
        for (Progress p : peers.values()) {
            if (p.acked.prefix() >= mergeEnd) {
                count++;
            }
        }
        if (count >= n.members.quorum()) {
            mergeDone = true;
            n.committed.addPrefix(mergeEnd);
            for (long x = mergeEnd + 1; x <= n.log.lastIndex(); x++) {
                countParallel(x);
            }
        }
    }

    // ---- time --------------------------------------------------------------------------------

    void tick() {
        boolean beat = ++heartbeatElapsed >= cfg.heartbeatTicks();
        if (beat) {
            heartbeatElapsed = 0;
            if (!merged) {
                askForLogs();
            }
            broadcastHeartbeat();
        }
        for (Progress p : peers.values()) {
            p.silentTicks++;
            streamer.tick(p);
            // Nothing acknowledged for a while with APPENDs outstanding: they or their answers
            // were lost; send again from the acknowledged prefix (or the probe again).
            if ((p.inflight > 0 || p.next > p.acked.prefix() + 1)
                    && ++p.stalledTicks >= 2 * cfg.heartbeatTicks() + 2) {
                restartWindow(p, p.probePrev >= 0 ? p.probePrev + 1 : p.acked.prefix() + 1);
            }
        }
        if (transferTarget != 0 && ++transferTicks >= cfg.electionTicks()) {
            abortTransfer();
        }
    }

    private int heartbeatElapsed;

    /**
     * The prefix every member reported committed (a follower reports only a persisted commit
     * prefix, which never shrinks): no member will ever need those entries from a log again.
     */
    private long safePrefix() {
        long s = n.committed.prefix();
        for (Progress p : peers.values()) {
            if (!p.released) {
                s = Math.min(s, p.reportedCommit);
            }
        }
        n.safePrefix = Math.max(n.safePrefix, s);
        return n.safePrefix;
    }

    private void broadcastHeartbeat() {
        long safe = safePrefix();
        for (Map.Entry<Integer, Progress> pe : peers.entrySet()) {
            Progress p = pe.getValue();
            long cp = Math.min(n.committed.prefix(), p.acked.prefix());
            long[] extra = cfg.mode() == Mode.PARALLEL && merged ? committedFor(p, cp) : null;
            n.send(new Message(MessageType.HEARTBEAT, n.id(), pe.getKey(), n.term, 0, safe, List.of(), cp, extra,
                    false));
        }
    }

    /** @return whether {@code member} answered lately and holds this log to within {@code within} entries of its end */
    boolean caughtUp(int member, long within) {
        Progress p = peers.get(member);
        return p != null && p.recentActive && p.acked.prefix() >= n.log.lastIndex() - within;
    }

    /** Drops what this leader knows of {@code member}'s log: it is tracked afresh, as after an election. */
    boolean forget(int member) {
        if (peers.remove(member) == null) {
            return false;
        }
        syncPeers();
        return true;
    }

    /** @return how many followers silent for at least {@code ticks} were released from holding the safe prefix */
    int releaseSilent(int ticks) {
        int released = 0;
        for (Progress p : peers.values()) {
            if (!p.released && p.silentTicks >= ticks) {
                p.released = true;
                released++;
            }
        }
        return released;
    }

    boolean quorumActive() {
        int active = selfVote(true);
        for (Progress p : peers.values()) {
            if (p.recentActive) {
                active++;
            }
            p.recentActive = false;
        }
        return active >= n.members.quorum();
    }

    // ---- leadership transfer -----------------------------------------------------------------

    void startTransfer(int target) {
        transferTarget = target;
        transferTicks = 0;
        maybeFinishTransfer();
    }

    void abortTransfer() {
        transferTarget = 0;
        handedOver = false;
    }

    private void maybeFinishTransfer() {
        if (transferTarget == 0 || handedOver) {
            return;
        }
        Progress p = peers.get(transferTarget);
        if (p.acked.prefix() >= n.log.lastIndex() && self.prefix() >= n.log.lastIndex()) {
            n.send(Message.of(MessageType.TIMEOUT_NOW, n.id(), transferTarget, n.term));
            handedOver = true;
        }
    }
}
