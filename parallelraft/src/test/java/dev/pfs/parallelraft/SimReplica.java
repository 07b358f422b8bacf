package dev.pfs.parallelraft;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** One simulated server: a node, its durable disk, and its applied block state. */
final class SimReplica {

    final int id;
    final RaftConfig cfg;
    RaftNode node;
    boolean up = true;
    boolean busy;
    int incarnation;

    /** What survives a crash. */
    HardState hard = HardState.EMPTY;
    final TreeMap<Long, Entry> disk = new TreeMap<>();

    /** Applied state: block → data id of the last write applied to it. */
    final Map<Long, Long> blocks = new HashMap<>();
    /** Per block: how many writes this replica applied to it (position in the block's history). */
    final Map<Long, Integer> writesApplied = new HashMap<>();
    /** Highest commit prefix already checked against the group's committed log. */
    long checkedCommit;

    SimReplica(RaftConfig cfg) {
        this.id = cfg.id();
        this.cfg = cfg;
        this.node = new RaftNode(cfg);
    }

    void persist(Ready rd) {
        if (rd.truncateAfter() >= 0) {
            disk.tailMap(rd.truncateAfter(), false).clear();
        }
        for (Entry e : rd.entries()) {
            disk.put(e.index(), e);
        }
        if (rd.hardState() != null) {
            hard = rd.hardState();
        }
    }

    void crash() {
        up = false;
        busy = false;
        incarnation++;
    }

    void restart() {
        List<Entry> entries = new ArrayList<>(disk.values());
        node = new RaftNode(cfg, hard, entries);
        blocks.clear();
        writesApplied.clear();
        checkedCommit = 0;
        up = true;
        busy = false;
        incarnation++;
    }
}
