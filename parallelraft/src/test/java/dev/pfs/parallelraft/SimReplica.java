package dev.pfs.parallelraft;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One simulated server: a node, its durable disk, its applied block state, and checkpoints of the
 * state of its applied prefix (the node prunes its log behind them).
 */
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
    /** Applies taken every this many prefix entries. */
    static final int CHECKPOINT_EVERY = 8;

    /** Applied prefix state: the blocks and write counts of entries up to {@code prefixIndex}. */
    private long prefixIndex;
    private Map<Long, Long> prefixBlocks = new HashMap<>();
    private Map<Long, Integer> prefixWrites = new HashMap<>();
    /** Entries applied above the prefix (ParallelRaft applies out of order). */
    private final TreeMap<Long, Entry> appliedAbove = new TreeMap<>();
    /** Prefix entries folded since the last checkpoint: a checkpoint folds only these (no full copy). */
    private final List<Entry> sinceCheckpoint = new ArrayList<>();
    /** The durable checkpoint: prefix state at {@code checkpointIndex}. */
    long checkpointIndex;
    private Map<Long, Long> checkpointBlocks = new HashMap<>();
    private Map<Long, Integer> checkpointWrites = new HashMap<>();

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
            disk.headMap(hard.compactIndex(), true).clear();
        }
    }

    /** Folds an applied entry into the prefix state once every index below it is applied. */
    void applied(Entry e) {
        appliedAbove.put(e.index(), e);
        while (!appliedAbove.isEmpty() && appliedAbove.firstKey() == prefixIndex + 1) {
            Entry p = appliedAbove.pollFirstEntry().getValue();
            fold(p, prefixBlocks, prefixWrites);
            sinceCheckpoint.add(p);
            prefixIndex++;
        }
    }

    private static void fold(Entry e, Map<Long, Long> blocks, Map<Long, Integer> writes) {
        for (LbaRange r : e.ranges()) {
            for (long b = r.start(); b < r.end(); b++) {
                blocks.put(b, SimChecker.dataId(e));
                writes.merge(b, 1, Integer::sum);
            }
        }
    }

    /** Takes a checkpoint of the applied prefix when it grew enough, and tells the node. */
    void maybeCheckpoint() {
        if (prefixIndex - checkpointIndex >= CHECKPOINT_EVERY && node.checkpointed(prefixIndex)) {
            checkpointIndex = prefixIndex;
            for (Entry e : sinceCheckpoint) {
                fold(e, checkpointBlocks, checkpointWrites);
            }
            sinceCheckpoint.clear();
        }
    }

    void crash() {
        up = false;
        busy = false;
        incarnation++;
    }

    void restart() {
        List<Entry> entries = new ArrayList<>(disk.values());
        node = new RaftNode(cfg, hard, entries, checkpointIndex);
        blocks.clear();
        blocks.putAll(checkpointBlocks);
        writesApplied.clear();
        writesApplied.putAll(checkpointWrites);
        prefixIndex = checkpointIndex;
        prefixBlocks = new HashMap<>(checkpointBlocks);
        prefixWrites = new HashMap<>(checkpointWrites);
        appliedAbove.clear();
        sinceCheckpoint.clear();
        checkedCommit = checkpointIndex;
        up = true;
        busy = false;
        incarnation++;
    }
}
