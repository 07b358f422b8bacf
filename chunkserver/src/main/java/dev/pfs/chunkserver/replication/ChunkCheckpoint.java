package dev.pfs.chunkserver.replication;

import dev.pfs.chunkserver.store.ChunkStore;
import dev.pfs.parallelraft.CheckpointReader;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leader's checkpoint of one group as the byte stream ParallelRaft sends to a follower that
 * needs pruned entries: a {@link #HEADER}-byte header (magic, the highest origin term of a
 * proposal at or below the checkpoint, the group's writer epoch and try generation), then the chunk as the store
 * holds it. The chunk is read from the store asynchronously, a window of pieces ahead of what the
 * node asks for; a piece not at hand yet is {@linkplain #available not available}, and the
 * group is woken once it is.
 *
 * <p>The chunk bytes are read while the store moves on, so they hold every entry up to the
 * checkpoint (their store writes completed before the node was told of it) and some later ones,
 * possibly half of one. That is enough: every entry is an overwrite of its ranges, and the
 * follower applies every entry above the checkpoint over the bytes in index order (overlapping
 * ones), so each block ends with the last committed write of it, as on the leader. Owned by the
 * agent thread.
 */
final class ChunkCheckpoint implements CheckpointReader {
    /** Header bytes before the chunk: a store block, so chunk offsets stay block-aligned. */
    static final int HEADER = 4096;
    private static final long MAGIC = 0x7066_7343_6b70_7432L;
    /** Pieces fetched ahead of the one asked for (the streamer's window, and one more). */
    private static final int AHEAD = 5;
    /** Most pieces kept: two followers streaming at different offsets. */
    private static final int KEPT = 4 * AHEAD;

    /** What a follower learns from a checkpoint's header. */
    record Header(long origin, long epoch, long generation) {
    }

    private final ChunkStore store;
    private final long chunk;
    private final long chunkSize;
    private final int piece;
    private final LongUnaryOperator originAt;
    private final LongSupplier epoch;
    private final LongSupplier generation;
    private final Runnable wake;
    private static final Logger LOG = LoggerFactory.getLogger(ChunkCheckpoint.class);
    private long index = -1;
    /** The origin at {@link #index}, taken when its stream started; -1 if it could not be named. */
    private long origin = -1;
    /** Chunk bytes of the stream's pieces by stream offset, fetched or being fetched, oldest first. */
    private final Map<Long, CompletableFuture<byte[]>> pieces = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, CompletableFuture<byte[]>> eldest) {
            return size() > KEPT;
        }
    };

    /**
     * @param originAt the highest origin term of a proposal at or below an index the leader still
     *                 can name (its log from the compaction point), or -1 when it pruned past it
     * @param epoch      the group's writer epoch now
     * @param generation the group's try generation now
     * @param wake       called from any thread when a fetched piece is at hand
     */
    ChunkCheckpoint(ChunkStore store, long chunk, long chunkSize, int piece, LongUnaryOperator originAt,
                    LongSupplier epoch, LongSupplier generation, Runnable wake) {
        this.store = store;
        this.chunk = chunk;
        this.chunkSize = chunkSize;
        this.piece = piece;
        this.originAt = originAt;
        this.epoch = epoch;
        this.generation = generation;
        this.wake = wake;
    }

    @Override
    public long size(long index) {
        return HEADER + chunkSize;
    }

    @Override
    public boolean available(long index, long offset, int length) {
        if (index != this.index) {
            LOG.debug("chunk {}: streaming checkpoint {}", chunk, index);
            this.index = index;
            // Taken now, as the node starts the stream (it names only an index its log still
            // reaches): later the log may be pruned past it, and the origin could not be named.
            this.origin = originAt.applyAsLong(index);
            pieces.clear();
        }
        for (int k = 0; k <= AHEAD; k++) {
            long o = offset + (long) k * piece;
            if (o < size(index)) {
                pieces.computeIfAbsent(o, this::fetch);
            }
        }
        CompletableFuture<byte[]> f = pieces.get(offset);
        return f.isDone();
    }

    @Override
    public byte[] read(long index, long offset, int length) {
        CompletableFuture<byte[]> f = index == this.index ? pieces.get(offset) : null;
        if (f == null || !f.isDone() || f.isCompletedExceptionally()) {
            pieces.remove(offset);
            return null;
        }
        byte[] bytes = f.join();
        if (offset >= HEADER) {
            return bytes;
        }
        if (origin < 0) {
            LOG.debug("chunk {}: the origin of checkpoint {} cannot be named; the stream starts again", chunk, index);
            this.index = -1;
            pieces.clear();
            return null;
        }
        byte[] out = new byte[bytes.length + HEADER];
        ByteBuffer.wrap(out).putLong(MAGIC).putLong(origin).putLong(epoch.getAsLong())
                .putLong(generation.getAsLong());
        System.arraycopy(bytes, 0, out, HEADER, bytes.length);
        return out;
    }

    /** Reads the chunk bytes of the piece at stream offset {@code offset}. */
    private CompletableFuture<byte[]> fetch(long offset) {
        long from = Math.max(0, offset - HEADER);
        int length = (int) (Math.min(offset + piece - HEADER, chunkSize) - from);
        ByteBuffer dst = Arena.ofAuto().allocate(length, 4096).asByteBuffer();
        return store.read(chunk, from, dst).thenApply(v -> {
            byte[] out = new byte[length];
            dst.clear().get(out);
            return out;
        }).whenComplete((v, t) -> wake.run());
    }

    /** @return the header at the front of piece {@code data} (stream offset 0), or null if it is none */
    static Header header(byte[] data) {
        if (data.length < HEADER) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(data);
        return b.getLong() == MAGIC ? new Header(b.getLong(), b.getLong(), b.getLong()) : null;
    }

    /** @return the chunk offset of the stream's byte {@code offset} (at or above {@link #HEADER}) */
    static long chunkOffset(long offset) {
        return offset - HEADER;
    }
}
