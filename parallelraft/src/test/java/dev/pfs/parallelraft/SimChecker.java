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
        }
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
