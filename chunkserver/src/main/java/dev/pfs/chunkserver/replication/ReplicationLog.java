package dev.pfs.chunkserver.replication;

import dev.pfs.chunkserver.wal.FrameBufferPool;
import dev.pfs.chunkserver.wal.WalFrameDescriptor;
import dev.pfs.chunkserver.wal.WalRecord;
import dev.pfs.chunkserver.wal.WalRecordType;
import dev.pfs.chunkserver.wal.WalScanner;
import dev.pfs.chunkserver.wal.WalWriter;
import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.parallelraft.Entry;
import dev.pfs.parallelraft.EntryKind;
import dev.pfs.parallelraft.HardState;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's replication log: one log for every group on this server, in the chunk store's WAL
 * format (frames of records, each record naming its group and its (term, index) slot, each
 * frame written with one FUA write). {@link #append} is the group commit across groups: the
 * entries, truncations and hard states of every group's Ready go into the same frame, durable
 * when it returns. Recovery ({@link #recover}) replays the log in write order, so for an index
 * the later record wins, a truncation drops what was logged above it, and the latest hard
 * state is the group's.
 *
 * <p>Reclaim: the volume is two halves. One is written front to back; {@link #startRewrite}
 * writes the records still needed (every group's creation, hard state and the entries above its
 * compaction point) to the other half and continues there. The rewrite's first frame goes last,
 * so until it is durable the other half still starts with an older generation (frame sequences
 * only grow) and recovery keeps reading the old half; once it is, recovery reads the new one.
 * One thread owns the log; writes complete on the volume's threads.
 */
final class ReplicationLog {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicationLog.class);
    /** Records of one frame at most this many bytes; a larger batch takes several FUA writes. */
    static final int MAX_FRAME_RECORDS = 4 << 20;
    /** Smallest log volume: each half holds two full frames. */
    static final long MIN_SIZE = 4L * MAX_FRAME_RECORDS;
    /**
     * Most the log grows between tries of a rewrite, whatever its size: a restart replays every
     * record written since the last rewrite, so this (with the live records) bounds what recovery
     * reads. Tries at fractions of a half alone let a 4 GB log reach 1 GB before its first
     * rewrite, which a chunkserver killed there read back for 37-170 s before it served.
     */
    static final long RECLAIM_STEP = 64L << 20;
    /**
     * Frames are padded to whole pages: ext4 serialises direct writes that do not cover whole
     * file-system blocks, and the store's WAL measured a 4.5 KB O_DSYNC write at 0.6 times the
     * cost when page-aligned.
     */
    static final int FRAME_ALIGNMENT = 4096;

    /** What recovery found for one group. */
    record Recovered(GroupSpec spec, HardState hard, List<Entry> entries, long epoch, long generation) {
    }

    private final LogHalf[] halves;
    private final FrameBufferPool buffers;
    /** A rewrite's frames: one in use at a time, so acquiring one never waits. */
    private final FrameBufferPool rewriteBuffers = new FrameBufferPool(MAX_FRAME_RECORDS + (1 << 20));
    private int current;
    private WalWriter writer;

    private ReplicationLog(LogHalf[] halves, int current, WalWriter writer, FrameBufferPool buffers) {
        this.halves = halves;
        this.current = current;
        this.writer = writer;
        this.buffers = buffers;
    }

    /** What a scan of one half replays. */
    private static final class Replay implements Consumer<WalRecord> {
        final Map<Long, GroupSpec> specs = new LinkedHashMap<>();
        final Map<Long, HardState> hards = new LinkedHashMap<>();
        final Map<Long, TreeMap<Long, Entry>> entries = new LinkedHashMap<>();
        /** Per group the highest writer epoch of any entry or epoch record, pruned ones included. */
        final Map<Long, Long> epochs = new LinkedHashMap<>();
        /** Per group the highest try generation of any write entry or epoch record, pruned ones included. */
        final Map<Long, Long> generations = new LinkedHashMap<>();

        @Override
        public void accept(WalRecord r) {
            switch (r.type()) {
                // A later record of a group is its spec after a membership change.
                case GROUP -> specs.put(r.group(), GroupSpec.decode(r.chunkId(), r.length(),
                        bytes(r.payload())));
                case RAFT_ENTRY -> {
                    Entry e = RaftCodec.decodeEntry(r.payload().duplicate());
                    entries.computeIfAbsent(r.group(), g -> new TreeMap<>()).put(r.index(), e);
                    Command c = e.kind() == EntryKind.WRITE ? Command.decode(e.data()) : null;
                    if (c != null && c.kind() != Command.Kind.READ) {
                        epochs.merge(r.group(), c.epoch(), Math::max);
                        generations.merge(r.group(), c.generation(), Math::max);
                    }
                }
                case GROUP_EPOCH -> {
                    epochs.merge(r.group(), r.epoch(), Math::max);
                    generations.merge(r.group(), r.offset(), Math::max);
                }
                case RAFT_TRUNCATE -> entries.computeIfAbsent(r.group(), g -> new TreeMap<>())
                        .tailMap(r.index(), false).clear();
                case RAFT_HARD_STATE -> {
                    HardState h = RaftCodec.decodeHardState(r.payload().duplicate());
                    hards.put(r.group(), h);
                    entries.computeIfAbsent(r.group(), g -> new TreeMap<>()).headMap(h.compactIndex(), true).clear();
                }
                default -> throw new IllegalStateException("record type " + r.type() + " in the replication log");
            }
        }
    }

    /**
     * Scans the log volume and opens it for appending after its valid end.
     *
     * @param groups filled with every group the log holds, in creation order
     */
    static ReplicationLog recover(BlockVolume volume, Map<Long, Recovered> groups) throws VolumeException {
        if (volume.size() < MIN_SIZE) {
            throw new VolumeException(VolumeException.Kind.OUT_OF_RANGE, "replication log of " + volume.size()
                    + " bytes: at least " + MIN_SIZE + " needed");
        }
        long half = volume.size() / 2 / WalFrameDescriptor.ALIGNMENT * WalFrameDescriptor.ALIGNMENT;
        LogHalf[] halves = {new LogHalf(volume, 0, half), new LogHalf(volume, half, half)};
        long[] first = {firstSequence(halves[0]), firstSequence(halves[1])};
        int newer = first[1] > first[0] ? 1 : 0;
        int current = newer;
        Replay replay = new Replay();
        long started = System.nanoTime();
        // Read in large windows: the log is one small frame per round, too many to read one by one.
        WalScanner.Result scan = first[newer] > 0
                ? WalScanner.scan(new ReadAheadVolume(halves[newer]), first[newer], replay) : null;
        if ((scan == null || scan.frames() == 0) && first[1 - newer] > 0) {
            // The newer half's first frame is torn: its rewrite never finished, the older half holds the log.
            current = 1 - newer;
            replay = new Replay();
            scan = WalScanner.scan(new ReadAheadVolume(halves[current]), first[current], replay);
        }
        if (scan == null) {
            scan = WalScanner.scan(new ReadAheadVolume(halves[current]), 1, replay);
        }
        Replay r = replay;
        r.specs.forEach((g, spec) -> groups.put(g, new Recovered(spec, r.hards.getOrDefault(g, HardState.EMPTY),
                new ArrayList<>(r.entries.getOrDefault(g, new TreeMap<>()).values()), r.epochs.getOrDefault(g, 0L),
                r.generations.getOrDefault(g, 0L))));
        LOG.info("replication log: half {} of {} bytes, {} groups, {} records in {} frames read in {} ms; "
                + "ends at {} ({})", current, half, r.specs.size(), scan.records(), scan.frames(),
                (System.nanoTime() - started) / 1_000_000, scan.endPosition(), scan.stopReason());
        FrameBufferPool buffers = new FrameBufferPool(4L * MAX_FRAME_RECORDS + (1 << 20));
        // Sequences run on within a half (recovery stops at the first gap); a rewrite's frames
        // carry the next ones, above every frame of the half it replaces. Frames are written
        // several at a time, so a power cut can leave a durable frame behind a torn one: the
        // sequence moves on by the recovery gap, so that stale frame is never read as the
        // continuation of what is written from here.
        ReplicationLog log = new ReplicationLog(halves, current, new WalWriter(halves[current], scan.endPosition(),
                scan.nextSequence() + WalWriter.RECOVERY_SEQUENCE_GAP, buffers, FRAME_ALIGNMENT), buffers);
        if (scan.frames() > 0 && !r.specs.isEmpty()) {
            // Frames written after the end found may be durable, and a frame written later at the
            // end could sit exactly where one of them continues the chain: a later scan would take
            // it for the log. Rewriting what was found to the other half starts a generation that
            // no stale frame can continue, as the store's recovery checkpoint does for its WAL.
            List<WalRecord> live = new ArrayList<>();
            r.specs.forEach((g, spec) -> {
                live.add(group(spec));
                HardState h = r.hards.get(g);
                if (h != null) {
                    live.add(hardState(g, h));
                }
                long epoch = r.epochs.getOrDefault(g, 0L);
                long generation = r.generations.getOrDefault(g, 0L);
                if (epoch > 0 || generation > 0) {
                    live.add(fences(g, epoch, generation));
                }
                r.entries.getOrDefault(g, new TreeMap<>()).values().forEach(e -> live.add(entry(g, e)));
            });
            log.rewrite(live);
        }
        return log;
    }

    /** @return the sequence of the frame a half starts with, or 0 if its first sector is no frame header */
    private static long firstSequence(LogHalf half) throws VolumeException {
        ByteBuffer sector = Arena.ofAuto().allocate(WalFrameDescriptor.ALIGNMENT, WalFrameDescriptor.ALIGNMENT)
                .asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        VolumeException.await(half.read(0, sector));
        long sequence = sector.getLong(WalFrameDescriptor.SEQUENCE_OFFSET);
        return sequence > 0 && WalFrameDescriptor.checkHeader(sector, sequence, half.size()) == null ? sequence : 0;
    }

    /** @return bytes left in the half being written */
    long room() {
        return writer.room();
    }

    /** @return bytes written to the current half */
    long used() {
        return writer.used();
    }

    /**
     * @param shareOfHalf how much the log may grow before the next try of a rewrite, as a share of a half
     * @return that, at most {@link #RECLAIM_STEP}
     */
    long reclaimStep(long shareOfHalf) {
        return Math.min(shareOfHalf, RECLAIM_STEP);
    }

    /** @return the size of one half: how much one generation of the log may hold */
    long halfSize() {
        return halves[current].size();
    }

    /**
     * Writes {@code live} (every record recovery needs, in replay order) to the other half and
     * waits for it; the log continues there ({@link #startRewrite}).
     *
     * @throws VolumeException as {@link #startRewrite}, or if a write failed (recovery reads the old half)
     */
    void rewrite(List<WalRecord> live) throws VolumeException {
        VolumeException.await(startRewrite(live));
    }

    /**
     * Starts writing {@code live} (every record recovery needs, in replay order) to the other
     * half and continues the log there at once: frames started after this return follow the
     * rewrite in the new half. The rewrite's frames are written one after another, its first
     * frame last, off the calling thread; until that one is durable the new half still starts
     * with an older generation, so recovery reads the old half, which must then hold everything
     * acted on: the caller starts no rewrite with a frame of the old half in flight, and acts on
     * no later frame before the returned future completes.
     *
     * <p>The frames come from a pool of their own, one in use at a time, so that a rewrite never
     * waits for buffers the rounds after it hold, on whichever I/O thread continues it.
     *
     * @param live not changed by the caller afterwards: its records are read as they are written
     * @return done once the whole rewrite is durable; failed if a write failed
     * @throws VolumeException NO_SPACE if {@code live} does not fit in a half (nothing changed)
     */
    CompletableFuture<Void> startRewrite(List<WalRecord> live) throws VolumeException {
        List<List<WalRecord>> frames = frames(live);
        LogHalf target = halves[1 - current];
        long[] at = new long[frames.size() + 1];
        for (int i = 0; i < frames.size(); i++) {
            int bytes = 0;
            for (WalRecord r : frames.get(i)) {
                bytes += r.encodedLength();
            }
            at[i + 1] = at[i] + writer.paddedLength(bytes);
        }
        if (at[frames.size()] > target.size()) {
            throw new VolumeException(VolumeException.Kind.NO_SPACE, "replication log: the live records take "
                    + at[frames.size()] + " bytes, a half holds " + target.size());
        }
        long sequence = writer.nextSequence();
        CompletableFuture<Void> written = CompletableFuture.completedFuture(null);
        for (int i = frames.size() - 1; i >= 0; i--) {
            WalWriter w = new WalWriter(target, at[i], sequence + i, rewriteBuffers, FRAME_ALIGNMENT);
            List<WalRecord> f = frames.get(i);
            written = written.thenCompose(v -> writeRewriteFrame(w, f));
        }
        current = 1 - current;
        writer = new WalWriter(target, at[frames.size()], sequence + frames.size(), buffers, FRAME_ALIGNMENT);
        return written;
    }

    /** @return done once frame {@code records} is durable through {@code w} and its buffer is back */
    private CompletableFuture<Void> writeRewriteFrame(WalWriter w, List<WalRecord> records) {
        try {
            WalWriter.Started s = w.start(records, new int[records.size()], false);
            return s.durable().whenComplete((v, t) -> rewriteBuffers.release(s.frame()));
        } catch (VolumeException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** @return {@code records} cut into frames of at most {@link #MAX_FRAME_RECORDS} bytes of records */
    private static List<List<WalRecord>> frames(List<WalRecord> records) {
        List<List<WalRecord>> out = new ArrayList<>();
        int from = 0;
        while (from < records.size()) {
            int to = from;
            int bytes = 0;
            while (to < records.size() && (to == from || bytes + records.get(to).encodedLength() <= MAX_FRAME_RECORDS)) {
                bytes += records.get(to).encodedLength();
                to++;
            }
            out.add(records.subList(from, to));
            from = to;
        }
        return out;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /** @return the record creating a group */
    static WalRecord group(GroupSpec spec) {
        return new WalRecord(WalRecordType.GROUP, spec.chunkId(), 0, 0, spec.chunkId(), 0, 0, spec.size(),
                ByteBuffer.wrap(spec.encode()));
    }

    /** @return the record logging {@code e} for {@code group} */
    static WalRecord entry(long group, Entry e) {
        return new WalRecord(WalRecordType.RAFT_ENTRY, group, e.term(), e.index(), group, 0, 0, 0,
                RaftCodec.encodeEntry(e));
    }

    /**
     * @return the record of {@code group}'s writer epoch and try generation (the record's offset
     *         field carries the generation)
     */
    static WalRecord fences(long group, long epoch, long generation) {
        return new WalRecord(WalRecordType.GROUP_EPOCH, group, 0, 0, group, epoch, generation, 0,
                ByteBuffer.allocate(0));
    }

    /** @return the record dropping {@code group}'s entries above {@code index} */
    static WalRecord truncate(long group, long index) {
        return new WalRecord(WalRecordType.RAFT_TRUNCATE, group, 0, index, group, 0, 0, 0, ByteBuffer.allocate(0));
    }

    /** @return the record of {@code group}'s hard state */
    static WalRecord hardState(long group, HardState h) {
        return new WalRecord(WalRecordType.RAFT_HARD_STATE, group, h.term(), h.commit(), group, 0, 0, 0,
                RaftCodec.encodeHardState(h));
    }

    /**
     * Makes {@code records} durable, in order, on the calling thread.
     *
     * @return how many FUA writes it took
     * @throws VolumeException if a write failed or the log is full; the log is then unusable
     */
    int append(List<WalRecord> records) throws VolumeException {
        Started s = start(records, true);
        VolumeException.await(s.durable());
        return s.frames();
    }

    /** Frames started by {@link #start}: how many, and done once every one of them is durable. */
    record Started(int frames, CompletableFuture<Void> durable) {
    }

    /**
     * Starts writing {@code records}, in order, in as few frames as their size allows, after every
     * frame started before, and returns at once; with {@code inline} (nothing else in flight) the
     * frames are written on the calling thread, which saves a hand-off to an I/O thread and back.
     * Frames may become durable in any order: whoever acts on one waits for every earlier one too.
     *
     * @throws VolumeException NO_SPACE if the records do not fit (nothing started of the frame
     *                         that did not); the log is then unusable
     */
    Started start(List<WalRecord> records, boolean inline) throws VolumeException {
        List<List<WalRecord>> frames = frames(records);
        List<CompletableFuture<Void>> durable = new ArrayList<>(frames.size());
        for (List<WalRecord> f : frames) {
            WalWriter.Started s = writer.start(f, new int[f.size()], inline);
            durable.add(s.durable().whenComplete((v, t) -> buffers.release(s.frame())));
        }
        return new Started(frames.size(), durable.size() == 1 ? durable.getFirst()
                : CompletableFuture.allOf(durable.toArray(new CompletableFuture<?>[0])));
    }
}
