package dev.pfs.parallelraft;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The invariants of a run: at most one leader per term; every replica's committed entries agree
 * with the group's committed log; every acknowledged write stays in it; at each block, every
 * replica applies the same sequence of writes; after healing, replicas are equal and each block
 * holds its last committed (hence at least its last acknowledged) write.
 */
final class SimChecker {

    private final Simulation sim;
    private final Map<Long, Integer> leaders = new HashMap<>();
    /** The group's committed log as observed so far: index → entry. */
    private final TreeMap<Long, Entry> committed = new TreeMap<>();
    /** Per block, the sequence of data ids applied to it, as first observed. */
    private final Map<Long, List<Long>> history = new HashMap<>();
    /** Acknowledged writes: data id → index. */
    private final Map<Long, Long> ackedAt = new HashMap<>();
    /** Acknowledged writes: index → entry. */
    private final Map<Long, Entry> ackedEntries = new HashMap<>();
    /** Per node, the last term in which it was checked to lead with every committed entry. */
    private final Map<Integer, Long> completeIn = new HashMap<>();
    /** ParallelRaft: indices above the commit prefix checked per node and event. */
    private static final int ABOVE_PREFIX = 32;

    SimChecker(Simulation sim) {
        this.sim = sim;
    }

    static long dataId(Entry e) {
        return e.kind() == EntryKind.WRITE ? ByteBuffer.wrap(e.data()).getLong() : 0;
    }

    void afterEvent() {
        for (int i = 1; i < sim.replicas.length; i++) {
            SimReplica r = sim.replicas[i];
            if (!r.up) {
                continue;
            }
            RaftNode n = r.node;
            if (n.role() == Role.LEADER) {
                Integer prev = leaders.putIfAbsent(n.term(), n.id());
                if (prev != null && prev != n.id()) {
                    throw new SimFailure("two leaders in term " + n.term() + ": " + prev + " and " + n.id());
                }
            }
            for (long j = Math.max(r.checkedCommit + 1, n.firstIndex()); j <= n.commitPrefix(); j++) {
                agree(r, n.entry(j), j);
            }
            r.checkedCommit = Math.max(r.checkedCommit, n.commitPrefix());
            for (long j = n.commitPrefix() + 1; j <= Math.min(n.lastIndex(), n.commitPrefix() + ABOVE_PREFIX); j++) {
                Entry e = n.entry(j);
                if (e != null && n.committedAs(j, e.originTerm())) {
                    agree(r, e, j);
                }
            }
            leaderComplete(r);
        }
    }

    /**
     * Leader completeness: a leader (ParallelRaft: once its merge stage is done) holds every entry
     * committed so far that it has not pruned. Checked once per node and term.
     */
    private void leaderComplete(SimReplica r) {
        RaftNode n = r.node;
        boolean leads = n.role() == Role.LEADER && (n.readyToServe() || r.cfg.mode() == Mode.STRICT);
        if (!leads || completeIn.getOrDefault(r.id, -1L) == n.term()) {
            return;
        }
        completeIn.put(r.id, n.term());
        for (Entry c : committed.tailMap(n.firstIndex(), true).values()) {
            Entry e = n.entry(c.index());
            if (e == null || !e.sameOrigin(c)) {
                throw new SimFailure("leader " + n.id() + " of term " + n.term() + " lacks committed " + c + ": holds "
                        + e);
            }
        }
    }

    /**
     * A message leaves only once what it promises is durable on its sender's disk: its term (and a
     * vote it grants), the commit prefix it reports, the entries it acknowledges, the checkpoint
     * bytes it asks past.
     */
    void promiseDurable(SimReplica r, Message m) {
        HardState hs = r.hard;
        boolean preVote = m.type() == MessageType.PRE_VOTE || m.type() == MessageType.PRE_VOTE_RESP;
        if (!preVote && hs.term() < m.term()) {
            fail(r, m, "term " + m.term() + " not durable (disk: " + hs.term() + ")");
        }
        // A later term on disk also makes the grant safe: this node never votes in the earlier one again.
        if (m.type() == MessageType.VOTE_RESP && !m.reject() && hs.term() == m.term() && hs.votedFor() != m.to()) {
            fail(r, m, "vote not durable (disk: term " + hs.term() + " vote " + hs.votedFor() + ")");
        }
        boolean reply = m.type() == MessageType.APPEND_RESP || m.type() == MessageType.HEARTBEAT_RESP
                || m.type() == MessageType.MERGE_RESP || m.type() == MessageType.CHECKPOINT_RESP;
        long base = Math.max(hs.compactIndex(), r.checkpointIndex);
        if (reply && m.commit() > Math.max(hs.commit(), base)) {
            fail(r, m, "commit prefix " + m.commit() + " not durable (disk: " + hs.commit() + ")");
        }
        if (m.type() == MessageType.APPEND_RESP && !m.reject()) {
            if (r.cfg.mode() == Mode.STRICT) {
                for (long i = Math.max(base + 1, m.index() - 256); i <= m.index(); i++) {
                    if (!r.disk.containsKey(i)) {
                        fail(r, m, "acknowledges a prefix up to " + m.index() + " with " + i + " not on disk");
                    }
                }
            }
            for (long x : m.indices()) {
                if (x > base && !r.disk.containsKey(x)) {
                    fail(r, m, "acknowledges " + x + ", not on disk");
                }
            }
        }
        if (m.type() == MessageType.CHECKPOINT_RESP && m.commit() < m.index() && m.logTerm() > 0
                && r.received(m.index()) < m.logTerm()) {
            fail(r, m, "asks for byte " + m.logTerm() + " with " + r.received(m.index()) + " durable");
        }
    }

    private static void fail(SimReplica r, Message m, String why) {
        throw new SimFailure("node " + r.id + " sends " + m + ": " + why);
    }

    private void agree(SimReplica r, Entry e, long index) {
        if (e == null) {
            throw new SimFailure("node " + r.id + " reports index " + index + " committed but does not hold it");
        }
        Entry known = committed.putIfAbsent(index, e);
        if (known != null && !known.sameOrigin(e)) {
            throw new SimFailure("committed logs differ at " + index + ": " + known + " vs " + e + " on node " + r.id);
        }
        Entry ack = ackedEntries.get(index);
        if (ack != null && !ack.sameOrigin(e)) {
            throw new SimFailure("acknowledged " + ack + " lost: node " + r.id + " commits " + e + " at " + index);
        }
        Long acked = ackedAt.get(dataId(known == null ? e : known));
        if (acked != null && acked != index) {
            throw new SimFailure("acknowledged write moved");
        }
    }

    void applied(SimReplica r, Entry e) {
        agree(r, e, e.index());
        long id = dataId(e);
        for (LbaRange range : e.ranges()) {
            for (long b = range.start(); b < range.end(); b++) {
                int pos = r.writesApplied.merge(b, 1, Integer::sum) - 1;
                List<Long> h = history.computeIfAbsent(b, k -> new ArrayList<>());
                if (pos < h.size()) {
                    if (h.get(pos) != id) {
                        throw new SimFailure("block " + b + " write #" + pos + ": node " + r.id + " applied id " + id
                                + " (index " + e.index() + ") but another replica applied id " + h.get(pos));
                    }
                } else {
                    h.add(id);
                }
                r.blocks.put(b, id);
            }
        }
    }

    /** A write acknowledged at commit; the committed log seen so far (or later) must hold it there. */
    void acknowledged(long id, Entry e) {
        ackedAt.put(id, e.index());
        ackedEntries.put(e.index(), e);
        Entry c = committed.get(e.index());
        if (c != null && !c.sameOrigin(e)) {
            throw new SimFailure("acknowledged " + e + " is not the committed entry " + c);
        }
    }

    /** Every member up, applied everything, all equal to the leader's log. */
    boolean converged() {
        SimReplica l = sim.servingLeader();
        if (l == null || l.node.commitPrefix() != l.node.lastIndex()) {
            return false;
        }
        long end = l.node.lastIndex();
        for (SimReplica r : sim.members()) {
            if (!r.up || r.node.appliedPrefix() != end || r.busy()) {
                return false;
            }
        }
        return true;
    }

    /**
     * @return whether {@code id} was a member (initially, or in a committed configuration) and the
     *     newest committed configuration no longer names it
     */
    boolean removed(int id, boolean initialMember) {
        boolean was = initialMember;
        List<Integer> newest = null;
        for (Entry e : committed.values()) {
            if (e.kind() == EntryKind.CONFIG) {
                newest = e.members();
                was |= newest.contains(id);
            }
        }
        return was && newest != null && !newest.contains(id);
    }

    /** @return membership changes in the committed log observed */
    long committedMembershipChanges() {
        return committed.values().stream().filter(e -> e.kind() == EntryKind.CONFIG).count();
    }

    void finalChecks() {
        long end = sim.servingLeader().node.lastIndex();
        Map<Long, Long> expected = new HashMap<>();
        for (long i = 1; i <= end; i++) {
            Entry e = committed.get(i);
            if (e == null) {
                throw new SimFailure("index " + i + " applied nowhere");
            }
            for (LbaRange range : e.ranges()) {
                for (long b = range.start(); b < range.end(); b++) {
                    expected.put(b, dataId(e));
                }
            }
        }
        for (Map.Entry<Long, Long> a : ackedAt.entrySet()) {
            Entry e = committed.get(a.getValue());
            if (e == null || dataId(e) != a.getKey()) {
                throw new SimFailure("acknowledged write id " + a.getKey() + " at " + a.getValue() + " lost");
            }
        }
        for (SimReplica r : sim.members()) {
            if (!r.blocks.equals(expected)) {
                throw new SimFailure("node " + r.id + " blocks differ from the committed log's last writes");
            }
        }
    }
}
