package dev.pfs.chunkserver.store;

import dev.pfs.chunkserver.protocol.ChunkInfo;
import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.wal.FrameBufferPool;
import dev.pfs.chunkserver.wal.WalScanner;
import dev.pfs.chunkserver.wal.WalWriter;
import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.zip.CRC32C;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.AgentTerminationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chunk store of one disk: chunks cut into 64 KB blocks allocated on first write, every
 * change logged durably in a write-ahead log before it touches the data blocks.
 *
 * <p>It works over three {@link BlockVolume}s: the data blocks, the WAL (which may live on a
 * faster device), and a small meta volume with two checkpoint slots. Every request is handed
 * to one agent thread (an Agrona agent that parks when idle) that owns the metadata; callers
 * on any thread get a future. A change is
 * acknowledged once its WAL frame is synced (its data write follows, and reads of that block
 * wait for it), so every acknowledged change is durable (FUA is implied; FLUSH is a barrier). After a disk failure the store
 * refuses everything with {@link ChunkStatus#IO_ERROR} until it is reopened, which recovers.
 */
public final class ChunkStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChunkStore.class);

    /** The allocation unit: data blocks are this big. */
    public static final int BLOCK_SIZE = StoreState.BLOCK_SIZE;

    /**
     * Tuning.
     *
     * @param maxBatchBytes      largest WAL frame a group commit writes
     * @param checkpointFraction checkpoint when this fraction of the WAL is used
     * @param observer           receives WAL and checkpoint events
     * @param maxChunkSize       largest chunk a CREATE may ask for (the configured chunk size)
     * @param writeAheadBytes    data-file space written ahead of the bitmap at a time
     * @param walInFlight        WAL frames (group commits) written at once, 1 to
     *                           {@link #MAX_WAL_IN_FLIGHT}; the WAL volume needs as many I/O threads
     * @param redirectMinBytes   smallest write of whole blocks that is redirected: its data written
     *                           FUA to fresh blocks while a REMAP is logged, instead of its data
     *                           logged and then written over the old blocks
     */
    public record Options(int maxBatchBytes, double checkpointFraction, StoreObserver observer, long maxChunkSize,
                          long writeAheadBytes, int walInFlight, int redirectMinBytes) {
        /** The default run of data-file space written ahead of the bitmap at a time. */
        public static final long DEFAULT_WRITE_AHEAD = 64L << 20;
        /** The default number of WAL frames in flight. */
        public static final int DEFAULT_WAL_IN_FLIGHT = 4;
        /** Most WAL frames in flight; recovery's sequence gap must exceed it. */
        public static final int MAX_WAL_IN_FLIGHT = 64;
        /**
         * The default smallest write redirected (its blocks written in full to fresh blocks while
         * a REMAP is logged) rather than logged with its data: from 256 KB the second copy of a
         * logged write costs the disk more than a redirect's extra flush and CRCs.
         */
        public static final int DEFAULT_REDIRECT_MIN = 256 * 1024;

        public Options {
            if (walInFlight < 1 || walInFlight > MAX_WAL_IN_FLIGHT) {
                throw new IllegalArgumentException("WAL frames in flight: " + walInFlight + ", not 1 to "
                        + MAX_WAL_IN_FLIGHT);
            }
        }

        /** Options with any chunk size up to the capacity and the default write-ahead run. */
        public Options(int maxBatchBytes, double checkpointFraction, StoreObserver observer) {
            this(maxBatchBytes, checkpointFraction, observer, Long.MAX_VALUE, DEFAULT_WRITE_AHEAD,
                    DEFAULT_WAL_IN_FLIGHT, DEFAULT_REDIRECT_MIN);
        }

        /** @return the defaults: 4 MB frames, checkpoint at half the WAL, 64 MB written ahead */
        public static Options defaults() {
            return new Options(4 << 20, 0.5, StoreObserver.NONE);
        }

        /** @return these options with another observer */
        public Options withObserver(StoreObserver o) {
            return new Options(maxBatchBytes, checkpointFraction, o, maxChunkSize, writeAheadBytes, walInFlight, redirectMinBytes);
        }

        /** @return these options refusing chunks larger than {@code bytes} */
        public Options withMaxChunkSize(long bytes) {
            return new Options(maxBatchBytes, checkpointFraction, observer, bytes, writeAheadBytes, walInFlight, redirectMinBytes);
        }

        /** @return these options writing {@code bytes} of data-file space ahead at a time */
        public Options withWriteAhead(long bytes) {
            return new Options(maxBatchBytes, checkpointFraction, observer, maxChunkSize, bytes, walInFlight, redirectMinBytes);
        }

        /**
         * @return these options redirecting FUA writes of whole blocks from {@code bytes} up
         *         (Integer.MAX_VALUE: never)
         */
        public Options withRedirectMin(int bytes) {
            return new Options(maxBatchBytes, checkpointFraction, observer, maxChunkSize, writeAheadBytes, walInFlight,
                    bytes);
        }

        /** @return these options with up to {@code frames} WAL frames in flight */
        public Options withWalInFlight(int frames) {
            return new Options(maxBatchBytes, checkpointFraction, observer, maxChunkSize, writeAheadBytes, frames, redirectMinBytes);
        }
    }

    /**
     * Logged frames whose data writes may be outstanding at once, in units of the largest
     * frame: enough for the data volume to work on many frames in parallel, few enough that
     * data application falling behind holds back new commits rather than memory.
     */
    private static final int FRAMES_IN_USE_PER_BATCH = 16;

    /**
     * WAL frames are padded to whole 4 KB pages: on this project's disk an O_DSYNC write that
     * starts or ends inside a page cost up to 1.7 times one of whole pages (fio, 4608 B writes
     * at 512 B vs 4 KB alignment).
     */
    private static final int FRAME_ALIGNMENT = 4096;

    private final StoreAgent agent;
    private final Queue<StoreRequest> queue;
    private final WakeableIdleStrategy idle;
    private final AgentRunner runner;
    private volatile boolean closed;

    private ChunkStore(StoreAgent agent, Queue<StoreRequest> queue) {
        this.agent = agent;
        this.queue = queue;
        this.idle = new WakeableIdleStrategy(() -> !queue.isEmpty());
        this.runner = new AgentRunner(idle, ChunkStore::agentFailed, null, new Loop());
        AgentRunner.startOnThread(runner, r -> Thread.ofPlatform().name("pfs-chunk-store").daemon().unstarted(r));
    }

    /** Agrona reports the agent's own orderly stop through the error handler too: not an error. */
    private static void agentFailed(Throwable t) {
        if (!(t instanceof AgentTerminationException)) {
            LOG.error("chunk store agent: {}", t.toString(), t);
        }
    }

    /** @return the meta volume size needed for a data volume of {@code dataSize} bytes */
    public static long metaVolumeSize(long dataSize, int maxChunks) {
        return 2 * CheckpointDescriptor.slotLength(blocks(dataSize), maxChunks);
    }

    private static int blocks(long dataSize) {
        return (int) Math.min(Integer.MAX_VALUE - 64, dataSize / BLOCK_SIZE);
    }

    /**
     * Writes an empty store's first checkpoint. The data volume must read as zeros (a new
     * sparse file) and the WAL must hold no frames.
     */
    public static void format(BlockVolume data, BlockVolume meta, int maxChunks) throws IOException {
        long slotLength = meta.size() / 2 / 512 * 512;
        if (slotLength < CheckpointDescriptor.slotLength(blocks(data.size()), maxChunks)) {
            throw new IOException("meta volume of " + meta.size() + " bytes is too small; it needs "
                    + metaVolumeSize(data.size(), maxChunks));
        }
        StoreState empty = new StoreState(blocks(data.size()), maxChunks);
        ByteBuffer slot = Arena.ofAuto().allocate(512 + CheckpointDescriptor.slotLength(empty.bitmap.blocks(), 0), 512)
                .asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        CheckpointCodec.encode(empty, 1, 1, 1, slot);
        int used = CheckpointDescriptor.HEADER_LENGTH + slot.getInt(CheckpointDescriptor.BODY_LENGTH_OFFSET);
        slot.limit((used + 511) / 512 * 512);
        VolumeException.await(meta.write(slotLength, slot, BlockVolume.NO_EPOCH, true));
    }

    /**
     * Opens a formatted store: loads the newer valid checkpoint, replays the WAL after it
     * (cutting a torn tail), applies the replayed changes, and checkpoints, so the WAL starts
     * empty.
     *
     * @throws IOException if no valid checkpoint exists or the disk fails
     */
    public static ChunkStore open(BlockVolume data, BlockVolume wal, BlockVolume meta, Options options)
            throws IOException {
        int blocks = blocks(data.size());
        long slotLength = meta.size() / 2 / 512 * 512;
        ByteBuffer best = null;
        long bestSequence = -1;
        List<String> why = new ArrayList<>();
        for (int s = 0; s < 2; s++) {
            ByteBuffer slot = Arena.ofAuto().allocate(slotLength, 512).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            VolumeException.await(meta.read(s * slotLength, slot));
            slot.clear();
            String bad = CheckpointDescriptor.check(slot, blocks);
            if (bad != null) {
                why.add("slot " + s + ": " + bad);
            } else if (slot.getLong(CheckpointDescriptor.SEQUENCE_OFFSET) > bestSequence) {
                best = slot;
                bestSequence = slot.getLong(CheckpointDescriptor.SEQUENCE_OFFSET);
            }
        }
        if (best == null) {
            throw new IOException("no valid checkpoint in the meta volume (" + String.join("; ", why) + ")");
        }
        // The slots were sized at format for a number of chunks; that number is the limit.
        int maxChunks = CheckpointDescriptor.maxChunks(slotLength, blocks);
        StoreState state = new StoreState(blocks, maxChunks);
        String bad = CheckpointCodec.decode(best, state);
        if (bad != null) {
            throw new IOException("checkpoint " + bestSequence + " is inconsistent: " + bad);
        }
        reserveRemapped(wal, data, best.getLong(CheckpointDescriptor.NEXT_FRAME_OFFSET), state);
        DataApplier applier = new DataApplier(data);
        List<CompletableFuture<Void>> replayed = new ArrayList<>();
        long[] nextIndex = {best.getLong(CheckpointDescriptor.NEXT_INDEX_OFFSET)};
        WalScanner.Result[] scan = new WalScanner.Result[1];
        // The writer continues with a sequence no frame on the log can carry (pipelined frames
        // after the end found may be durable); the recovery checkpoint below records it and
        // starts the WAL over before any frame is written.
        WalWriter writer = WalWriter.afterRecovery(wal, best.getLong(CheckpointDescriptor.NEXT_FRAME_OFFSET), r -> {
            replayed.add(applier.apply(state.apply(r)));
            nextIndex[0] = Math.max(nextIndex[0], r.index() + 1);
        }, new FrameBufferPool(FRAMES_IN_USE_PER_BATCH * (long) options.maxBatchBytes()), FRAME_ALIGNMENT,
                found -> scan[0] = found);
        for (CompletableFuture<Void> f : replayed) {
            VolumeException.await(f);
        }
        state.releaseReservations();
        LOG.info("recovered checkpoint {} and {} WAL records in {} frames; log ends at {} ({})", bestSequence,
                scan[0].records(), scan[0].frames(), scan[0].endPosition(), scan[0].stopReason());
        Queue<StoreRequest> queue = new ConcurrentLinkedQueue<>();
        StoreAgent agent = new StoreAgent(state, writer, data, meta, applier, options, nextIndex[0],
                bestSequence, slotLength, () -> !queue.isEmpty());
        agent.checkpoint();
        if (agent.failure() != null) {
            throw new IOException("recovery checkpoint failed: " + agent.failure());
        }
        return new ChunkStore(agent, queue);
    }

    /**
     * Before replay, decides which REMAPs in the log made it: its data went out beside it, so one
     * counts if a later FINISHED confirms it or else if each of its blocks holds what its CRC says
     * (nothing writes into a REMAP's blocks before a FINISHED covering it is logged); replay skips
     * the others, whose writes were never acknowledged. It reserves the blocks of those that
     * count, so that no WRITE replayed before the REMAP allocates them. It also takes the highest
     * WRITTEN_LIMIT logged: any block a replayed write allocates below it may hold stale data.
     */
    private static void reserveRemapped(BlockVolume wal, BlockVolume data, long firstSequence, StoreState state)
            throws IOException {
        List<long[]> remaps = new ArrayList<>();
        long[] finished = {-1};
        WalScanner.scan(wal, firstSequence, r -> {
            switch (r.type()) {
                case REMAP -> {
                    // index, then per block: data block, CRC
                    ByteBuffer entries = r.payload().duplicate().order(ByteOrder.LITTLE_ENDIAN);
                    int count = entries.remaining() / StoreState.REMAP_ENTRY_BYTES;
                    long[] remap = new long[1 + 2 * count];
                    remap[0] = r.index();
                    for (int i = 0; i < count; i++) {
                        remap[1 + 2 * i] = entries.getInt(entries.position() + StoreState.REMAP_ENTRY_BYTES * i);
                        remap[2 + 2 * i] = entries.getInt(entries.position() + StoreState.REMAP_ENTRY_BYTES * i + 4);
                    }
                    remaps.add(remap);
                }
                case FINISHED -> finished[0] = Math.max(finished[0], r.length());
                case WRITTEN_LIMIT -> state.writtenBelow = Math.max(state.writtenBelow,
                        (int) Math.min(state.bitmap.blocks(), r.length()));
                default -> { }
            }
        });
        ByteBuffer block = Arena.ofAuto().allocate(BLOCK_SIZE, 4096).asByteBuffer();
        CRC32C crc = new CRC32C();
        for (long[] remap : remaps) {
            boolean holds = true;
            for (int i = 1; i < remap.length; i += 2) {
                int b = (int) remap[i];
                if (b < 0 || b >= state.bitmap.blocks() || state.bitmap.isUsed(b)) {
                    throw new IOException("the WAL does not fit the checkpoint: REMAP record " + remap[0]
                            + " names data block " + b + ", which is out of range or in use");
                }
                if (holds && remap[0] > finished[0]) {
                    VolumeException.await(data.read((long) b * BLOCK_SIZE, block.clear()));
                    crc.reset();
                    crc.update(block.flip());
                    holds = (int) crc.getValue() == (int) remap[i + 1];
                }
            }
            if (!holds) {
                state.rejectedRemaps.add(remap[0]);
                continue;
            }
            for (int i = 1; i < remap.length; i += 2) {
                state.bitmap.markUsed((int) remap[i]);
                state.reserved.add((int) remap[i]);
            }
        }
    }

    /**
     * The store's loop: takes what queued up and hands it to the agent. Idle, it parks until a
     * request arrives, so an idle store costs no CPU.
     */
    private final class Loop implements Agent {
        private final List<StoreRequest> drained = new ArrayList<>();

        @Override
        public int doWork() {
            for (StoreRequest r; (r = queue.poll()) != null; ) {
                drained.add(r);
            }
            if (drained.isEmpty()) {
                return 0;
            }
            int n = agent.doWork(drained);
            for (StoreRequest r : drained) {
                if (r instanceof StoreRequest.Stop) {
                    failRemaining();
                    drained.clear();
                    throw new AgentTerminationException("chunk store stopped");
                }
            }
            drained.clear();
            return n;
        }

        @Override
        public String roleName() {
            return "pfs-chunk-store";
        }
    }

    private void failRemaining() {
        for (StoreRequest r; (r = queue.poll()) != null; ) {
            r.future().completeExceptionally(new ChunkException(ChunkStatus.CLOSED, "chunk store closed"));
        }
    }

    private <T> CompletableFuture<T> submit(StoreRequest r, CompletableFuture<T> f) {
        if (closed) {
            f.completeExceptionally(new ChunkException(ChunkStatus.CLOSED, "chunk store closed"));
        } else {
            queue.add(r);
            idle.wake();
        }
        return f;
    }

    /** Reads chunk bytes at {@code offset} into {@code dst} from its position to its limit. */
    public CompletableFuture<Void> read(long chunkId, long offset, ByteBuffer dst) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        return submit(new StoreRequest.Read(chunkId, offset, dst, f), f);
    }

    /**
     * Writes {@code src} (position to limit) at {@code offset}; durable on completion. The
     * buffer must stay untouched until then.
     */
    public CompletableFuture<Void> write(long chunkId, long epoch, long offset, ByteBuffer src) {
        return write(chunkId, epoch, offset, src, null);
    }

    /**
     * Writes {@code src} as {@link #write(long, long, long, ByteBuffer)} does, given the CRC32C of
     * each of its {@link #BLOCK_SIZE} blocks (as the server takes them while checking the request's
     * frame): a redirected write's REMAP record carries them, and need not read the data again.
     *
     * @param blockCrcs the CRC32C of each block of {@code src}, in order, or null
     */
    public CompletableFuture<Void> write(long chunkId, long epoch, long offset, ByteBuffer src, int[] blockCrcs) {
        if (blockCrcs != null && (long) blockCrcs.length * BLOCK_SIZE != src.remaining()) {
            throw new IllegalArgumentException(blockCrcs.length + " block CRCs for " + src.remaining() + " bytes");
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        return submit(new StoreRequest.Write(chunkId, epoch, offset, src, blockCrcs, System.nanoTime(), f), f);
    }

    /**
     * Writes {@code src} (position to limit) at {@code offset} for a caller that keeps the
     * change durable itself until the store does (replication keeps it in its log and re-applies
     * it after a crash). When every block of the range is mapped and no logged change is on its
     * way, the data goes straight into those blocks, unlogged: it completes once on the data
     * volume (readable, not durable; a power cut may keep, drop or tear it), and is durable once
     * {@link #inPlaceDurable()} reaches the {@link #inPlaceWrites()} read after it completed.
     * Otherwise it is logged as {@link #write} is, durable on completion. The buffer must stay
     * untouched until then.
     */
    public CompletableFuture<Void> writeInPlace(long chunkId, long epoch, long offset, ByteBuffer src) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        return submit(new StoreRequest.InPlaceWrite(chunkId, epoch, offset, src, f), f);
    }

    /** @return in-place writes issued so far (a count that only grows) */
    public long inPlaceWrites() {
        return agent.inPlaceIssued();
    }

    /** @return writes redirected to fresh blocks so far (a count that only grows) */
    public long redirectedWrites() {
        return agent.redirected();
    }

    /** @return in-place writes durable: the first this many issued, covered by a checkpoint */
    public long inPlaceDurable() {
        return agent.inPlaceDurable();
    }

    /**
     * Writes a checkpoint if in-place writes wait for one (it syncs the data volume and writes
     * the metadata); completes once every in-place write issued before it is durable.
     */
    public CompletableFuture<Void> checkpoint() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        return submit(new StoreRequest.Checkpoint(f), f);
    }

    /** Makes a range read as zeros, freeing the whole blocks in it; durable on completion. */
    public CompletableFuture<Void> writeZeroes(long chunkId, long epoch, long offset, long length) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        return submit(new StoreRequest.Zero(chunkId, epoch, offset, length, f), f);
    }

    /**
     * Creates an empty chunk of {@code size} bytes (a multiple of {@link #BLOCK_SIZE}, at most
     * the configured chunk size and the capacity), fenced at {@code epoch} like any change.
     */
    public CompletableFuture<Void> create(long chunkId, long epoch, long size) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        return submit(new StoreRequest.Create(chunkId, epoch, size, f), f);
    }

    /** Creates a chunk without a writer epoch (refused once its volume has seen one). */
    public CompletableFuture<Void> create(long chunkId, long size) {
        return create(chunkId, BlockVolume.NO_EPOCH, size);
    }

    /**
     * Raises the writer epoch of the volume of {@code chunkId} (which need not exist) to
     * {@code epoch}; durable on completion. From then on every change to any chunk of that
     * volume with an older epoch is refused with {@link ChunkStatus#STALE_EPOCH}.
     */
    public CompletableFuture<Void> fence(long chunkId, long epoch) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        return submit(new StoreRequest.Fence(chunkId, epoch, f), f);
    }

    /** Deletes a chunk and frees its blocks. */
    public CompletableFuture<Void> delete(long chunkId, long epoch) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        return submit(new StoreRequest.Delete(chunkId, epoch, f), f);
    }

    /** Reports a chunk's size, epoch and allocation. */
    public CompletableFuture<ChunkInfo> stat(long chunkId) {
        CompletableFuture<ChunkInfo> f = new CompletableFuture<>();
        return submit(new StoreRequest.Stat(chunkId, f), f);
    }

    /** Completes when every write submitted before it is durable, in-place writes included. */
    public CompletableFuture<Void> flush() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        return submit(new StoreRequest.Flush(f), f);
    }

    /** @return why the store refuses requests, or null while healthy */
    public String failure() {
        return agent.failure();
    }

    /** @return bytes of heap held by the block maps and the bitmap */
    public long metadataBytes() {
        return agent.metadataBytes();
    }

    /** @return {used, total} data blocks */
    public long[] blockUsage() {
        return agent.blockUsage();
    }

    /**
     * @return bytes of heap the map and the bitmap need for one fully written chunk of
     *         {@code chunkSize} bytes (the bitmap counted for the blocks that chunk uses)
     */
    public static long metadataBytesPerChunk(long chunkSize) {
        ChunkBlockMap map = new ChunkBlockMap(chunkSize / BLOCK_SIZE);
        for (int b = 0; b < chunkSize / BLOCK_SIZE; b += 4096) {
            map.set(b, b);
        }
        return map.memoryBytes() + chunkSize / BLOCK_SIZE / 8;
    }

    /** Finishes queued requests, writes a final checkpoint and stops the agent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        queue.add(new StoreRequest.Stop(stopped));
        idle.wake();
        stopped.handle((v, t) -> null).join();
        runner.close();
    }
}
