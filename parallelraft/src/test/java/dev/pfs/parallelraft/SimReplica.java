package dev.pfs.parallelraft;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One simulated server: a node, its durable disk, its applied block state, and checkpoints of the
 * state of its applied prefix (the node prunes its log behind them, and streams the newest one to a
 * follower that needs pruned entries). The disk takes several Readies at once ({@link Simulation}
 * schedules them); each lands atomically when it completes, in any order, under {@link Ready}'s
 * rules: per index and for the hard state the later Ready wins, and a Ready that truncates or
 * carries a checkpoint runs alone.
 */
final class SimReplica implements CheckpointReader {

    final int id;
    final RaftConfig cfg;
    RaftNode node;
    boolean up = true;
    /** A spare not yet added to the group has never run. */
    boolean started = true;
    int incarnation;

    /** Readies of this incarnation handed out so far: a Ready's sequence number orders its writes. */
    long readySeq;

    /** A Ready handed out and not yet advanced: waiting for its turn, being written, or landed. */
    static final class Outstanding {
        final Ready rd;
        final long seq;
        final boolean barrier;
        boolean writing;

        Outstanding(Ready rd, long seq) {
            this.rd = rd;
            this.seq = seq;
            this.barrier = runsAlone(rd);
        }
    }

    /** Readies handed out and not landed, in Ready order. */
    final List<Outstanding> outstanding = new ArrayList<>();
    /** Readies whose committed entries wait to be applied, in Ready order. */
    final List<Outstanding> applyQueue = new ArrayList<>();

    /** What survives a crash. */
    HardState hard = HardState.EMPTY;
    final TreeMap<Long, Entry> disk = new TreeMap<>();
    /** Per index on disk: the sequence number of the Ready that wrote it. */
    private final TreeMap<Long, Long> writtenBy = new TreeMap<>();
    private long hardSeq;

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
    /** The checkpoint as a leader streams it, encoded once per checkpoint; null until asked for. */
    private byte[] checkpointBytes;

    /** Highest commit prefix already checked against the group's committed log. */
    long checkedCommit;
    /** A checkpoint being received from a leader (durable pieces so far), and its index. */
    private ByteArrayOutputStream incoming = new ByteArrayOutputStream();
    private long incomingIndex = -1;
    /** Per checkpoint, the most of it ever durably received. */
    private final Map<Long, Long> receivedBytes = new HashMap<>();
    /** Pieces this replica received, and checkpoints it installed. */
    int piecesReceived;
    int installs;

    SimReplica(RaftConfig cfg) {
        this.id = cfg.id();
        this.cfg = cfg;
        this.node = new RaftNode(cfg);
        node.setCheckpointReader(this);
    }

    @Override
    public long size(long index) {
        return index == checkpointIndex ? encodedCheckpoint().length : -1;
    }

    @Override
    public byte[] read(long index, long offset, int length) {
        if (index != checkpointIndex) {
            return null;
        }
        byte[] all = encodedCheckpoint();
        return java.util.Arrays.copyOfRange(all, (int) offset, (int) Math.min(all.length, offset + length));
    }

    /** Block, data id and write count of every block in the checkpoint, by block. */
    private byte[] encodedCheckpoint() {
        if (checkpointBytes == null) {
            ByteBuffer b = ByteBuffer.allocate(20 * checkpointBlocks.size());
            new TreeMap<>(checkpointBlocks).forEach((block, data) -> b.putLong(block).putLong(data)
                    .putInt(checkpointWrites.get(block)));
            checkpointBytes = b.array();
        }
        return checkpointBytes;
    }

    private void installCheckpoint(long index) {
        if (incomingIndex != index) {
            throw new SimFailure("node " + id + " installs checkpoint " + index + " but received " + incomingIndex);
        }
        ByteBuffer b = ByteBuffer.wrap(incoming.toByteArray());
        checkpointBlocks = new HashMap<>();
        checkpointWrites = new HashMap<>();
        while (b.hasRemaining()) {
            long block = b.getLong();
            checkpointBlocks.put(block, b.getLong());
            checkpointWrites.put(block, b.getInt());
        }
        checkpointIndex = index;
        checkpointBytes = null;
        installs++;
        restoreCheckpoint();
    }

    /** @return whether a Ready is being written or waits to be */
    boolean busy() {
        return !outstanding.isEmpty();
    }

    /**
     * @return whether {@code o} may start writing under {@link Ready}'s rules: a Ready that runs
     *         alone once every earlier one landed; any other once no earlier one that runs alone
     *         is still outstanding
     */
    boolean mayStart(Outstanding o) {
        for (Outstanding e : outstanding) {
            if (e == o) {
                return true;
            }
            if (o.barrier || e.barrier) {
                return false;
            }
        }
        throw new IllegalStateException("not outstanding");
    }

    /**
     * A crash: each Ready being written keeps some of its entries (a Ready that runs alone: all
     * of it or nothing), and its hard state only with all of its entries; the rest is lost.
     */
    void crashLanding(java.util.Random rnd) {
        for (Outstanding o : outstanding) {
            if (!o.writing) {
                continue;
            }
            if (o.barrier) {
                if (rnd.nextBoolean()) {
                    persist(o.rd, o.seq);
                }
                continue;
            }
            List<Entry> kept = new ArrayList<>();
            for (Entry e : o.rd.entries()) {
                if (rnd.nextBoolean()) {
                    kept.add(e);
                }
            }
            HardState hs = kept.size() == o.rd.entries().size() ? o.rd.hardState() : null;
            persist(new Ready(hs, -1, kept, List.of(), List.of(), List.of(), -1), o.seq);
        }
    }

    /** @return whether {@code rd} must run alone: it truncates, or carries a checkpoint */
    static boolean runsAlone(Ready rd) {
        return rd.truncateAfter() >= 0 || rd.installCheckpoint() >= 0 || !rd.checkpointPieces().isEmpty();
    }

    /** Ready number {@code seq} landed on disk: what it wrote survives a crash from now on. */
    void persist(Ready rd, long seq) {
        checkShape(rd);
        for (CheckpointPiece piece : rd.checkpointPieces()) {
            if (piece.offset() == 0) {
                incoming = new ByteArrayOutputStream();
                incomingIndex = piece.index();
            }
            if (piece.index() != incomingIndex || piece.offset() != incoming.size()) {
                throw new SimFailure("node " + id + " got piece " + piece.index() + "@" + piece.offset()
                        + " while holding " + incomingIndex + "@" + incoming.size());
            }
            incoming.writeBytes(piece.data());
            receivedBytes.merge(piece.index(), (long) incoming.size(), Math::max);
            piecesReceived++;
        }
        if (rd.installCheckpoint() >= 0) {
            installCheckpoint(rd.installCheckpoint());
        }
        if (rd.truncateAfter() >= 0) {
            disk.tailMap(rd.truncateAfter(), false).clear();
            writtenBy.tailMap(rd.truncateAfter(), false).clear();
        }
        for (Entry e : rd.entries()) {
            Long by = writtenBy.get(e.index());
            if (by == null || by < seq) {
                disk.put(e.index(), e);
                writtenBy.put(e.index(), seq);
            }
        }
        if (rd.hardState() != null && seq > hardSeq) {
            hard = rd.hardState();
            hardSeq = seq;
            disk.headMap(hard.compactIndex(), true).clear();
            writtenBy.headMap(hard.compactIndex(), true).clear();
        }
    }

    /** The shape Ready's Javadoc promises: the pieces of one checkpoint, installing only that one. */
    private void checkShape(Ready rd) {
        long index = rd.checkpointPieces().isEmpty() ? rd.installCheckpoint() : rd.checkpointPieces().get(0).index();
        for (CheckpointPiece piece : rd.checkpointPieces()) {
            if (piece.index() != index) {
                throw new SimFailure("node " + id + ": one Ready carries pieces of checkpoints " + index + " and "
                        + piece.index());
            }
        }
        if (rd.installCheckpoint() >= 0 && rd.installCheckpoint() != index) {
            throw new SimFailure("node " + id + ": a Ready installs " + rd.installCheckpoint() + " but carries "
                    + index);
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
            checkpointBytes = null;
            for (Entry e : sinceCheckpoint) {
                fold(e, checkpointBlocks, checkpointWrites);
            }
            sinceCheckpoint.clear();
        }
    }

    void crash(java.util.Random rnd) {
        up = false;
        crashLanding(rnd);
        dropOutstanding();
    }

    /** @return how many bytes of checkpoint {@code index} were durably received (since dropped or not), or -1 */
    long received(long index) {
        return receivedBytes.getOrDefault(index, -1L);
    }

    /** Forgets the Readies being written: they never land. */
    private void dropOutstanding() {
        outstanding.clear();
        applyQueue.clear();
        incarnation++;
    }

    void restart() {
        List<Entry> entries = new ArrayList<>(disk.values());
        node = new RaftNode(cfg, hard, entries, checkpointIndex);
        node.setCheckpointReader(this);
        restoreCheckpoint();
        up = true;
        started = true;
        dropOutstanding();
    }

    /** Applied state := the durable checkpoint; the node applies the entries above it again. */
    private void restoreCheckpoint() {
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
    }
}
