package dev.pfs.chunkserver.store;

import dev.pfs.chunkserver.protocol.ChunkInfo;
import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.wal.WalRecord;
import dev.pfs.chunkserver.wal.WalRecordDescriptor;
import dev.pfs.chunkserver.wal.WalRecordType;
import dev.pfs.chunkserver.wal.WalWriter;
import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's metadata and its one owner: {@link #doWork} runs on the store's agent thread and
 * takes the requests that queued up, checks them, and logs every change in one WAL frame (group
 * commit: all changes that arrived while earlier frames were being written share the next one).
 * Several frames are in flight at once ({@code walInFlight}), and a lone small change with
 * nothing else to do is written on the agent's own thread (no hand-off at queue depth 1). A commit is
 * finished in log order by whichever thread completes it ({@link CommitPipeline}): its data
 * writes start (reads of those blocks wait for them), then its changes are acknowledged. When
 * the WAL fills past its threshold it checkpoints the metadata and starts the WAL over.
 *
 * <p>A large write of whole blocks is redirected instead of logged with its data: its data goes
 * to fresh blocks while a REMAP record moving the chunk blocks to them (with each block's
 * CRC) goes into the WAL, and it is acknowledged once both are durable (one flush of the data
 * volume per commit, after all its redirects' writes). The disk takes its data once, not twice,
 * and the two writes overlap. Replay applies a REMAP that a later FINISHED
 * record confirms, or one whose blocks hold what its CRCs say; nothing writes into a REMAP's
 * blocks before a FINISHED covering it is logged, so those CRCs still hold. The fresh blocks lie
 * below the written limit that is durable already, so a power cut that loses the REMAP leaves
 * nothing a replay takes for clean.
 */
final class StoreAgent {
    private static final Logger LOG = LoggerFactory.getLogger(StoreAgent.class);

    /**
     * A logged change waiting for its commit; a write also carries when it was submitted and
     * picked up, a redirect the write of its data (which its commit waits for too), else null.
     */
    private record Change(WalRecord record, List<DataOp> ops, CompletableFuture<Void> future, long submitted,
                          long picked, CompletableFuture<Void> redirectedData) {
    }

    /**
     * One group commit on its way: its changes and their bytes, its frame, where their payloads
     * lie in it, when the agent started building it, when the write was issued (after the frame
     * was built), the inline write's own time (-1 if not inline), and a future completed once
     * it is finished (exceptionally if refused).
     */
    private record Commit(List<Change> changes, int bytes, WalWriter.Started started, int[] payloadAt, long start,
                          long issued, long inlineWriteNanos, int writtenLimit, CompletableFuture<Void> finished) {
    }

    /** How far one WRITTEN_LIMIT record moves the limit past the block that needed it: 64 MB. */
    private static final int LIMIT_STEP_BLOCKS = 1024;

    /** Largest lone change whose frame the agent writes itself rather than on an I/O thread. */
    private static final int INLINE_MAX_BYTES = 64 * 1024;

    private final StoreState state;
    private final WalWriter wal;
    private final BlockVolume data;
    private final BlockVolume meta;
    private final DataApplier applier;
    private final StoreObserver observer;
    private final WriteAhead writeAhead;
    private final long maxChunkSize;
    private final long checkpointThreshold;
    private final int maxBatchBytes;
    private final long slotLength;
    private final List<Change> batch = new ArrayList<>();
    private final List<CompletableFuture<Void>> flushes = new ArrayList<>();
    private final CommitPipeline<Commit> pipeline = new CommitPipeline<>(this::finish);
    private final int walInFlight;
    private final BooleanSupplier moreQueued;
    private final int redirectMinBytes;
    /** Quarantined blocks past which a redirect checkpoints first, so freed blocks are reused. */
    private final int quarantineCheckpoint;
    /** Chunk blocks of REMAPs no FINISHED covers yet: a FINISHED goes ahead of a change to one. */
    private final UnconfirmedRemaps unconfirmed = new UnconfirmedRemaps();
    /** Index of the newest record whose commit is finished (durable, redirected data included). */
    private final AtomicLong finishedThrough = new AtomicLong(-1);
    /**
     * The written limit of the last commit finished or checkpoint written: durable, so a block
     * below it may be written (a redirect's fresh blocks must lie below it).
     */
    private final AtomicInteger durableLimit = new AtomicInteger();
    /** Finished once the last commit started is; flushes wait for it. */
    private CompletableFuture<Void> lastCommit = CompletableFuture.completedFuture(null);
    private int batchBytes;
    private long nextIndex;
    private long checkpointSequence;
    /** Writes redirected so far (written by the agent's thread only). */
    private volatile long redirectedCount;
    /** In-place writes issued so far (written by the agent's thread only). */
    private volatile long inPlaceIssued;
    /** In-place writes the last checkpoint covers: the first this many are durable. */
    private volatile long inPlaceDurable;
    private volatile String failure;
    /** The agent's thread, once it ran: the one that serves reads. */
    private volatile Thread agentThread;

    /** @param moreQueued whether requests wait for the agent's next turn (then a frame is not written inline) */
    StoreAgent(StoreState state, WalWriter wal, BlockVolume data, BlockVolume meta, DataApplier applier,
               ChunkStore.Options options, long nextIndex, long checkpointSequence, long slotLength,
               BooleanSupplier moreQueued) {
        this.walInFlight = options.walInFlight();
        this.moreQueued = moreQueued;
        this.redirectMinBytes = options.redirectMinBytes();
        this.quarantineCheckpoint = Math.min(4096, Math.max(16, state.bitmap.blocks() / 8));
        this.durableLimit.set(state.writtenLimit);
        this.state = state;
        this.wal = wal;
        this.data = data;
        this.meta = meta;
        this.applier = applier;
        this.observer = options.observer();
        this.maxChunkSize = options.maxChunkSize();
        this.writeAhead = new WriteAhead(data, state.bitmap.blocks(), state.bitmap.highestUsedExclusive(),
                (int) Math.min(Integer.MAX_VALUE, options.writeAheadBytes() / StoreState.BLOCK_SIZE), this::fail);
        writeAhead.start();
        this.checkpointThreshold = (long) (options.checkpointFraction() * wal.room());
        this.maxBatchBytes = options.maxBatchBytes();
        this.nextIndex = nextIndex;
        this.checkpointSequence = checkpointSequence;
        this.slotLength = slotLength;
    }

    /** @return in-place writes issued so far */
    long inPlaceIssued() {
        return inPlaceIssued;
    }

    /** @return writes redirected so far */
    long redirected() {
        return redirectedCount;
    }

    /** @return in-place writes durable: the first this many issued */
    long inPlaceDurable() {
        return inPlaceDurable;
    }

    /** @return why the store stopped accepting changes, or null while it is healthy */
    String failure() {
        return failure;
    }

    /**
     * Handles a batch of requests; returns how many. Nothing escapes: an unexpected exception
     * or error (a bug, an exhausted resource) fails the store as a disk failure does, with one
     * log line naming the cause, and every request is answered.
     */
    int doWork(List<StoreRequest> requests) {
        long picked = System.nanoTime();
        if (agentThread == null) {
            agentThread = Thread.currentThread();
        }
        try {
            for (StoreRequest r : requests) {
                if (failure != null && !(r instanceof StoreRequest.Stop)) {
                    r.future().completeExceptionally(refusal());
                    continue;
                }
                try {
                    handle(r, picked);
                } catch (ChunkException e) {
                    r.future().completeExceptionally(e);
                }
            }
            commit(true);
            if (failure == null && wal.used() > checkpointThreshold) {
                checkpoint();
            }
        } catch (Throwable t) {
            fail("unexpected " + t, t);
            commit(false);
            for (StoreRequest r : requests) {
                if (!(r instanceof StoreRequest.Stop)) {
                    r.future().completeExceptionally(refusal());
                }
            }
        }
        return requests.size();
    }

    private ChunkException refusal() {
        return new ChunkException(ChunkStatus.IO_ERROR, "store failed and refuses requests until restarted: " + failure);
    }

    private void handle(StoreRequest request, long picked) throws ChunkException {
        switch (request) {
            case StoreRequest.Read r -> read(r);
            case StoreRequest.Write w -> {
                int length = w.src().remaining();
                Chunk c = state.checkRange(w.chunkId(), w.offset(), length, w.epoch(), true);
                confirm(w.chunkId(), w.offset(), length);
                if (!redirect(c, w, picked)) {
                    int needed = state.blocksToAllocate(c, w.offset(), length);
                    makeRoom(needed, WalRecordDescriptor.recordLength(length) + WalRecordDescriptor.HEADER_LENGTH);
                    log(WalRecord.write(w.chunkId(), w.epoch(), w.offset(), w.src()), w.future(), w.submitted(),
                            picked);
                }
            }
            case StoreRequest.InPlaceWrite w -> {
                int length = w.src().remaining();
                Chunk c = state.checkRange(w.chunkId(), w.offset(), length, w.epoch(), true);
                int needed = state.blocksToAllocate(c, w.offset(), length);
                // In place only into blocks every replay maps the same way (no allocation) and
                // behind every logged data write (none on its way, so per-block order holds).
                confirm(w.chunkId(), w.offset(), length);
                if (needed == 0 && batch.isEmpty() && pipeline.size() == 0 && w.epoch() <= state.volumeEpoch(c.id)) {
                    writeInPlace(c, w);
                } else {
                    makeRoom(needed, WalRecordDescriptor.recordLength(length) + WalRecordDescriptor.HEADER_LENGTH);
                    log(WalRecord.write(w.chunkId(), w.epoch(), w.offset(), w.src()), w.future(), 0, 0);
                }
            }
            case StoreRequest.Checkpoint k -> {
                if (inPlaceIssued != inPlaceDurable) {
                    checkpoint();
                }
                if (failure == null) {
                    k.future().complete(null);
                } else {
                    k.future().completeExceptionally(refusal());
                }
            }
            case StoreRequest.Zero z -> {
                state.checkRange(z.chunkId(), z.offset(), z.length(), z.epoch(), true);
                confirm(z.chunkId(), z.offset(), z.length());
                makeRoom(0, WalRecordDescriptor.HEADER_LENGTH);
                log(WalRecord.of(WalRecordType.ZERO, z.chunkId(), z.epoch(), z.offset(), z.length()), z.future(), 0, 0);
            }
            case StoreRequest.Create c -> {
                checkSize(c.chunkId(), c.size());
                if (state.chunks.containsKey(c.chunkId())) {
                    throw new ChunkException(ChunkStatus.EXISTS, "chunk " + c.chunkId() + " exists");
                }
                state.checkEpoch(c.chunkId(), c.epoch());
                if (state.chunks.size() >= state.maxChunks) {
                    throw new ChunkException(ChunkStatus.NO_SPACE, "this store holds at most "
                            + state.maxChunks + " chunks");
                }
                makeRoom(0, WalRecordDescriptor.HEADER_LENGTH);
                log(WalRecord.of(WalRecordType.CREATE, c.chunkId(), c.epoch(), 0, c.size()), c.future(), 0, 0);
            }
            case StoreRequest.Delete d -> {
                state.checkEpoch(d.chunkId(), d.epoch());
                state.chunk(d.chunkId());
                confirm(d.chunkId(), 0, Long.MAX_VALUE);
                makeRoom(0, WalRecordDescriptor.HEADER_LENGTH);
                log(WalRecord.of(WalRecordType.DELETE, d.chunkId(), d.epoch(), 0, 0), d.future(), 0, 0);
            }
            case StoreRequest.Fence f -> {
                state.checkEpoch(f.chunkId(), f.epoch());
                makeRoom(0, WalRecordDescriptor.HEADER_LENGTH);
                log(WalRecord.of(WalRecordType.FENCE, f.chunkId(), f.epoch(), 0, 0), f.future(), 0, 0);
            }
            case StoreRequest.Stat s -> {
                Chunk c = state.chunk(s.chunkId());
                s.future().complete(new ChunkInfo(c.id, c.size, state.volumeEpoch(c.id),
                        (long) c.map.mapped() * StoreState.BLOCK_SIZE));
            }
            case StoreRequest.Flush f -> {
                if (inPlaceIssued != inPlaceDurable) {
                    checkpoint();
                }
                flushes.add(f.future());
            }
            case StoreRequest.Stop s -> {
                checkpoint();
                pipeline.awaitEmpty();
                flushes.add(s.future());
            }
        }
    }

    /**
     * Starts an unlogged write into mapped blocks: it completes once on the data volume, and is
     * durable once a checkpoint started after it completes ({@link #inPlaceDurable}).
     */
    private void writeInPlace(Chunk c, StoreRequest.InPlaceWrite w) {
        ByteBuffer src = w.src();
        int base = src.position();
        List<DataOp> ops = new ArrayList<>(2);
        state.forEachSegment(c, w.offset(), src.remaining(), (dataBlock, dataOffset, from, length) -> {
            ByteBuffer part = src.duplicate();
            part.position(base + (int) from).limit(base + (int) (from + length));
            ops.add(new DataOp(dataOffset, length, part, dataBlock));
        });
        inPlaceIssued++;
        applier.apply(ops).whenComplete((v, t) -> {
            if (t == null) {
                w.future().complete(null);
            } else {
                String why = "in-place data write failed: " + VolumeException.unwrap(t).getMessage();
                fail(why, t);
                w.future().completeExceptionally(new ChunkException(ChunkStatus.IO_ERROR, why, t));
            }
        });
    }

    /** A chunk's size is a positive multiple of the block size, at most the configured chunk size and the capacity. */
    private void checkSize(long chunkId, long size) throws ChunkException {
        if (size <= 0 || size % StoreState.BLOCK_SIZE != 0) {
            throw new ChunkException(ChunkStatus.MISALIGNED, "chunk " + chunkId + ": size " + size
                    + " must be a positive multiple of " + StoreState.BLOCK_SIZE);
        }
        long capacity = (long) state.bitmap.blocks() * StoreState.BLOCK_SIZE;
        long most = Math.min(maxChunkSize, capacity);
        if (size > most) {
            throw new ChunkException(ChunkStatus.OUT_OF_RANGE, "chunk " + chunkId + ": size " + size
                    + " is larger than " + (size > capacity ? "this store's capacity of " + capacity
                    : "the configured chunk size of " + maxChunkSize) + " bytes");
        }
    }

    private void read(StoreRequest.Read r) throws ChunkException {
        ByteBuffer dst = r.dst();
        Chunk c = state.checkRange(r.chunkId(), r.offset(), dst.remaining(), 0, false);
        List<CompletableFuture<Void>> parts = new ArrayList<>(2);
        int base = dst.position();
        state.forEachSegment(c, r.offset(), dst.remaining(), (dataBlock, dataOffset, from, length) -> {
            ByteBuffer part = dst.duplicate();
            part.limit(base + (int) (from + length)).position(base + (int) from);
            if (dataBlock < 0) {
                while (part.hasRemaining()) {
                    part.put((byte) 0);
                }
            } else {
                parts.add(applier.read(dataBlock, dataOffset, part.slice()));
            }
        });
        CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).whenComplete((v, t) -> {
            if (t == null) {
                r.future().complete(null);
            } else {
                r.future().completeExceptionally(new ChunkException(ChunkStatus.IO_ERROR,
                        "chunk " + r.chunkId() + ": read failed: " + VolumeException.unwrap(t).getMessage(), t));
            }
        });
    }

    /**
     * Ensures the record fits in the current frame and the WAL, and that enough free blocks lie
     * in written-ahead space.
     */
    private void makeRoom(int blocksNeeded, int recordBytes) throws ChunkException {
        if (wal.paddedLength(recordBytes) > wal.capacity() / 2) {
            throw new ChunkException(ChunkStatus.OUT_OF_RANGE, "a change of " + recordBytes
                    + " bytes is larger than half the WAL (" + wal.capacity() + " bytes) allows");
        }
        if (batchBytes + recordBytes > maxBatchBytes
                || wal.paddedLength(batchBytes + recordBytes) > wal.room()) {
            commit(false);
        }
        boolean lowOnBlocks = blocksNeeded > state.bitmap.free() && !state.quarantine.isEmpty();
        if (failure == null && (wal.paddedLength(recordBytes) > wal.room() || lowOnBlocks)) {
            checkpoint();
        }
        if (failure != null) {
            throw refusal();
        }
        if (blocksNeeded > 0) {
            writeAhead.ensureFree(state.bitmap.used(), blocksNeeded);
        }
    }

    /**
     * Adds a change to the batch. If it allocated blocks past the written limit, a WRITTEN_LIMIT
     * record follows it in the same frame (the caller made room for it), so the limit is durable
     * before the change's data writes go out.
     */
    private void log(WalRecord record, CompletableFuture<Void> future, long submitted, long picked) {
        append(record, future, submitted, picked, null);
        if (state.writtenBelow > state.writtenLimit) {
            append(WalRecord.of(WalRecordType.WRITTEN_LIMIT, 0, 0, 0, limitPast(state.writtenBelow)),
                    new CompletableFuture<>(), 0, 0, null);
        }
    }

    /** @return the record as logged (its index stamped) */
    private WalRecord append(WalRecord record, CompletableFuture<Void> future, long submitted, long picked,
                             CompletableFuture<Void> redirectedData) {
        WalRecord stamped = record.withSlot(0, nextIndex++);
        List<DataOp> ops = state.apply(stamped);
        batch.add(new Change(stamped, ops, future, submitted, picked, redirectedData));
        batchBytes += stamped.encodedLength();
        return stamped;
    }

    /**
     * Before a change to a chunk range: if a REMAP no FINISHED covers yet maps a block of it,
     * waits for that REMAP's commit to finish (rarely: only a range rewritten while its redirect
     * is on its way) and logs a FINISHED ahead of the change. Replay then takes the REMAP as
     * done without checking its blocks, which the change may write into.
     */
    private void confirm(long chunkId, long offset, long length) throws ChunkException {
        long needed = unconfirmed.newestIn(chunkId, offset, length);
        if (needed < 0) {
            return;
        }
        if (finishedThrough.get() < needed) {
            commit(false);
            pipeline.awaitEmpty();
        }
        if (failure != null) {
            throw refusal();
        }
        makeRoom(0, WalRecordDescriptor.HEADER_LENGTH);
        long through = finishedThrough.get();
        append(WalRecord.of(WalRecordType.FINISHED, 0, 0, 0, through), new CompletableFuture<>(), 0, 0, null);
        unconfirmed.confirmedThrough(through);
    }

    /** @return a written limit a step past {@code block}, within the volume */
    private int limitPast(int block) {
        return (int) Math.min(state.bitmap.blocks(), (long) block + LIMIT_STEP_BLOCKS);
    }

    /**
     * Redirects a write if it is large, of whole blocks, and the lowest free blocks lie below the
     * durable written limit: logs a REMAP of the chunk blocks to them (which allocates them) and
     * starts its data's FUA write there at once; its commit waits for both. Otherwise it raises
     * the written limit if that is what stood in the way, and the write is logged as usual.
     *
     * @return whether the write was redirected
     */
    private boolean redirect(Chunk c, StoreRequest.Write w, long picked) throws ChunkException {
        int length = w.src().remaining();
        if (length < redirectMinBytes || w.offset() % StoreState.BLOCK_SIZE != 0 || length % StoreState.BLOCK_SIZE != 0) {
            return false;
        }
        int count = length >>> StoreState.BLOCK_SHIFT;
        if (!state.quarantine.isEmpty()
                && (state.bitmap.free() < count || state.quarantine.size() >= quarantineCheckpoint)) {
            checkpoint();
        }
        makeRoom(0, WalRecordDescriptor.recordLength(StoreState.REMAP_ENTRY_BYTES * count)
                + WalRecordDescriptor.HEADER_LENGTH);
        if (state.bitmap.free() < count) {
            return false;
        }
        try {
            writeAhead.ensureFree(state.bitmap.used(), count);
        } catch (ChunkException e) {
            return false;
        }
        int[] blocks = state.lowestFree(count);
        if (blocks.length < count || blocks[count - 1] >= durableLimit.get()) {
            if (blocks.length == count && blocks[count - 1] >= state.writtenLimit) {
                append(WalRecord.of(WalRecordType.WRITTEN_LIMIT, 0, 0, 0, limitPast(blocks[count - 1] + 1)),
                        new CompletableFuture<>(), 0, 0, null);
            }
            return false;
        }
        // The data's write starts first: the CRCs, when the agent must take them itself, are
        // taken while it is on its way.
        CompletableFuture<Void> written = applier.writeBlocks(blocks, w.src());
        WalRecord logged = append(WalRecord.remap(w.chunkId(), w.epoch(), w.offset(), length,
                StoreState.remapEntries(blocks, w.src(), w.blockCrcs())), w.future(), w.submitted(), picked, written);
        unconfirmed.add(w.chunkId(), (int) (w.offset() >>> StoreState.BLOCK_SHIFT), count, logged.index());
        redirectedCount++;
        observer.redirected(count);
        return true;
    }

    /**
     * Starts the batch's WAL frame, after at most {@code walInFlight - 1} others still in
     * flight; it is finished (applied and acknowledged) in log order once durable. With
     * {@code mayInline}, nothing in flight and nothing queued, the frame is written on this
     * thread. Flushes taken so far complete once this commit (or the last one) is finished.
     */
    void commit(boolean mayInline) {
        if (!batch.isEmpty() && failure == null) {
            List<WalRecord> records = new ArrayList<>(batch.size());
            for (Change c : batch) {
                records.add(c.record);
            }
            long start = System.nanoTime();
            try {
                // Inline only a lone small change with nothing else around (queue depth 1): the
                // agent is blocked for the write, so anything bigger or busier goes to the I/O
                // threads and the agent goes on batching the next frame meanwhile.
                boolean inline = mayInline && batch.size() == 1 && batchBytes <= INLINE_MAX_BYTES
                        && pipeline.size() == 0 && !moreQueued.getAsBoolean();
                if (!inline) {
                    pipeline.awaitBelow(walInFlight);
                }
                observer.walInFlight(pipeline.size() + 1);
                int[] payloadAt = new int[records.size()];
                WalWriter.Started started = wal.start(records, payloadAt, inline);
                Commit c = new Commit(List.copyOf(batch), batchBytes, started, payloadAt, start, System.nanoTime(),
                        inline ? wal.lastWriteNanos() : -1, state.writtenLimit, new CompletableFuture<>());
                lastCommit = c.finished;
                batch.clear();
                pipeline.add(c, durable(started.durable(), c.changes));
            } catch (VolumeException e) {
                fail("WAL write failed: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for WAL frames in flight", e);
            }
        }
        for (Change c : batch) {
            c.future.completeExceptionally(new ChunkException(ChunkStatus.IO_ERROR, failure));
        }
        batch.clear();
        batchBytes = 0;
        for (CompletableFuture<Void> f : flushes) {
            lastCommit.whenComplete((v, t) -> {
                String why = failure;
                if (t == null && why == null) {
                    f.complete(null);
                } else {
                    f.completeExceptionally(new ChunkException(ChunkStatus.IO_ERROR, why != null ? why
                            : "WAL write failed"));
                }
            });
        }
        flushes.clear();
    }

    /**
     * @return a future done when the frame is durable and so is the data of every redirect in
     *         it: one flush of the data volume, started once all their writes are done, covers
     *         them all (group commit for redirected data, as the frame is for the records)
     */
    private CompletableFuture<Void> durable(CompletableFuture<Void> frame, List<Change> changes) {
        List<CompletableFuture<?>> written = null;
        for (Change ch : changes) {
            if (ch.redirectedData != null) {
                if (written == null) {
                    written = new ArrayList<>();
                }
                written.add(ch.redirectedData);
            }
        }
        if (written == null) {
            return frame;
        }
        CompletableFuture<Void> synced = CompletableFuture.allOf(written.toArray(new CompletableFuture<?>[0]))
                .thenCompose(v -> data.flush());
        return CompletableFuture.allOf(frame, synced);
    }

    /**
     * Finishes one commit, in log order, on the thread that completed it: refuses its changes if
     * its frame or any earlier one failed (nothing is acknowledged past a gap in the log), else
     * starts its data writes from the frame's copy of the payloads (the frame returns to the
     * pool when the last is done; reads of their blocks wait for them; a failed one stops the
     * store and replay repairs it) and then acknowledges its changes.
     */
    private void finish(Commit c, Throwable error) {
        try {
            finishOrThrow(c, error);
        } catch (Throwable t) {
            // A bug or an Error under a data write, on whichever thread finishes: the store fails
            // as it would on its own thread, and the commit's changes are answered.
            fail("unexpected " + t, t);
            for (Change ch : c.changes) {
                ch.future.completeExceptionally(refusal());
            }
            c.finished.completeExceptionally(refusal());
        }
    }

    private void finishOrThrow(Commit c, Throwable error) {
        ByteBuffer frame = c.started.frame();
        if (error != null) {
            Throwable cause = VolumeException.unwrap(error);
            fail((c.started.durable().isCompletedExceptionally() ? "WAL write failed: "
                    : "redirected data write or flush failed: ") + cause.getMessage(), cause);
        }
        String why = failure;
        if (why != null) {
            for (Change ch : c.changes) {
                ch.future.completeExceptionally(new ChunkException(ChunkStatus.IO_ERROR, why));
            }
            wal.releaseFrame(frame);
            c.finished.completeExceptionally(new ChunkException(ChunkStatus.IO_ERROR, why));
            return;
        }
        durableLimit.accumulateAndGet(c.writtenLimit, Math::max);
        finishedThrough.accumulateAndGet(c.changes.getLast().record.index(), Math::max);
        long synced = System.nanoTime();
        observer.walSynced(c.changes.size(), c.bytes, synced - c.start);
        if (c.inlineWriteNanos >= 0) {
            observer.walAppended(c.issued - c.start - c.inlineWriteNanos, c.inlineWriteNanos);
        } else {
            observer.walAppended(c.issued - c.start, synced - c.issued);
        }
        for (Change ch : c.changes) {
            if (ch.submitted != 0) {
                observer.writeWaited(ch.picked - ch.submitted, c.start - ch.picked, synced - c.start);
            }
        }
        // A read sent after an acknowledgement must wait for the data writes. Reads are served
        // on the agent's thread, so a commit finished there (a frame written inline, at queue
        // depth 1) is acknowledged first, its reply on its way before the I/O threads are woken,
        // and its writes are registered before the agent looks at another request. A commit
        // finished on an I/O thread registers its writes before it acknowledges.
        boolean onAgent = Thread.currentThread() == agentThread;
        if (onAgent) {
            acknowledge(c);
        }
        CompletableFuture<?>[] applied = new CompletableFuture<?>[c.changes.size()];
        for (int i = 0; i < applied.length; i++) {
            applied[i] = applier.apply(fromFrame(c.changes.get(i), frame, c.payloadAt[i])).whenComplete((v, t) -> {
                if (t != null) {
                    fail("data write failed after logging: " + VolumeException.unwrap(t).getMessage(), t);
                }
            });
        }
        if (!onAgent) {
            acknowledge(c);
        }
        CompletableFuture.allOf(applied).whenComplete((v, t) -> wal.releaseFrame(frame));
    }

    private static void acknowledge(Commit c) {
        for (Change ch : c.changes) {
            ch.future.complete(null);
        }
        c.finished.complete(null);
    }

    /** @return the change's data writes, reading their data from the logged frame (zeros stay zeros) */
    private static List<DataOp> fromFrame(Change c, ByteBuffer frame, int payloadAt) {
        if (c.record.type() != WalRecordType.WRITE) {
            return c.ops;
        }
        int base = c.record.payload().position();
        List<DataOp> ops = new ArrayList<>(c.ops.size());
        for (DataOp op : c.ops) {
            if (op.src() == null) {
                ops.add(op);
                continue;
            }
            ByteBuffer src = frame.slice(payloadAt + op.src().position() - base, (int) op.length());
            ops.add(new DataOp(op.dataOffset(), op.length(), src, op.dataBlock()));
        }
        return ops;
    }

    private synchronized void fail(String why, Throwable t) {
        if (failure == null) {
            failure = why;
            LOG.error("chunk store failed, refusing requests until restart: {}", why, t);
        }
    }

    /**
     * Writes a checkpoint and reclaims the WAL: waits for data I/O in flight, frees quarantined
     * blocks (they keep their data: a write that allocates one below the written limit writes it
     * in full), syncs the data volume, writes the metadata to the older slot, and only then starts
     * the WAL over. The in-place writes issued before it are durable once it is.
     */
    void checkpoint() {
        commit(true);
        pipeline.awaitEmpty();
        if (failure != null) {
            return;
        }
        long covered = inPlaceIssued;
        long start = System.nanoTime();
        try {
            applier.drain();
            writeAhead.drain();
            if (failure != null) {
                // The extension's flush failed: it may have dropped data writes this checkpoint would cover.
                return;
            }
            VolumeException.await(data.flush());
            state.releaseQuarantine();
            long sequence = checkpointSequence + 1;
            ByteBuffer slot = Arena.ofAuto().allocate(slotLength, 512).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            CheckpointCodec.encode(state, sequence, wal.nextSequence(), nextIndex, slot);
            int used = CheckpointDescriptor.HEADER_LENGTH + slot.getInt(CheckpointDescriptor.BODY_LENGTH_OFFSET);
            slot.limit((used + 511) / 512 * 512);
            VolumeException.await(meta.write((sequence % 2) * slotLength, slot, BlockVolume.NO_EPOCH, true));
            checkpointSequence = sequence;
            inPlaceDurable = covered;
            state.writtenLimit = Math.max(state.writtenLimit, state.writtenBelow);
            // Every REMAP so far lies behind the checkpoint now: replay never sees them.
            unconfirmed.clear();
            durableLimit.accumulateAndGet(state.writtenLimit, Math::max);
            wal.reset();
            observer.checkpointed(System.nanoTime() - start);
        } catch (VolumeException e) {
            fail("checkpoint failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            fail("checkpoint failed: " + e, e);
        }
    }

    /** @return bytes of heap the block maps and the bitmap hold */
    long metadataBytes() {
        long bytes = state.bitmap.memoryBytes();
        for (Chunk c : state.chunks.values()) {
            bytes += c.map.memoryBytes();
        }
        return bytes;
    }

    /** @return used and total data blocks */
    long[] blockUsage() {
        return new long[] {state.bitmap.used(), state.bitmap.blocks()};
    }
}
