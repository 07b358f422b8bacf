package dev.pfs.chunkserver.store;

import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.wal.WalRecord;
import dev.pfs.chunkserver.wal.WalRecordType;
import dev.pfs.common.volume.BlockVolume;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The store's metadata in memory: the chunks with their block maps and epochs, and the
 * free-block bitmap. It checks requests and turns a logged change into the data-volume writes
 * that apply it; the same {@link #apply} runs live and at WAL replay, so both end in the same
 * state. Blocks freed by a change are quarantined until the next checkpoint has zeroed them,
 * so a free block always reads as zeros and no read in flight can see a block reused.
 * Owned by one thread.
 */
final class StoreState {
    /** The allocation unit of thin provisioning. */
    static final int BLOCK_SIZE = 64 * 1024;
    static final int BLOCK_SHIFT = 16;

    final Map<Long, Chunk> chunks = new HashMap<>();
    final BlockBitmap bitmap;
    final List<Integer> quarantine = new ArrayList<>();
    final int maxChunks;

    StoreState(int blocks, int maxChunks) {
        this.bitmap = new BlockBitmap(blocks);
        this.maxChunks = maxChunks;
    }

    Chunk chunk(long chunkId) throws ChunkException {
        Chunk c = chunks.get(chunkId);
        if (c == null) {
            throw new ChunkException(ChunkStatus.UNKNOWN_CHUNK, "chunk " + chunkId + " does not exist");
        }
        return c;
    }

    /** Checks alignment, range and epoch of a change to a chunk range. */
    Chunk checkRange(long chunkId, long offset, long length, long epoch, boolean write) throws ChunkException {
        Chunk c = chunk(chunkId);
        if (offset % BlockVolume.SECTOR_SIZE != 0 || length % BlockVolume.SECTOR_SIZE != 0) {
            throw new ChunkException(ChunkStatus.MISALIGNED, "chunk " + chunkId + ": offset " + offset
                    + " and length " + length + " must be multiples of 512");
        }
        if (offset < 0 || length < 0 || offset + length > c.size || offset + length < 0) {
            throw new ChunkException(ChunkStatus.OUT_OF_RANGE, "chunk " + chunkId + ": range [" + offset
                    + ", " + (offset + length) + ") is outside its " + c.size + " bytes");
        }
        if (write && isStale(epoch, c)) {
            throw new ChunkException(ChunkStatus.STALE_EPOCH, "chunk " + chunkId + ": stale epoch "
                    + epoch + " < " + c.epoch);
        }
        return c;
    }

    /**
     * @return whether a write at {@code epoch} is fenced off: it is older than one the chunk has
     *         seen. {@link BlockVolume#NO_EPOCH} marks a writer outside fencing (Disk Paxos
     *         contenders before they win, local tools) and is never stale.
     */
    static boolean isStale(long epoch, Chunk c) {
        return epoch != BlockVolume.NO_EPOCH && epoch < c.epoch;
    }

    /** @return how many blocks a write of this range must allocate */
    int blocksToAllocate(Chunk c, long offset, long length) {
        int n = 0;
        for (long b = offset >>> BLOCK_SHIFT; length > 0 && b <= (offset + length - 1) >>> BLOCK_SHIFT; b++) {
            if (c.map.get((int) b) < 0) {
                n++;
            }
        }
        return n;
    }

    /** @return (chunk block, data block) pairs for the unmapped blocks of the range, marked used */
    int[] allocate(Chunk c, long offset, long length, int count) throws ChunkException {
        if (bitmap.free() < count) {
            throw new ChunkException(ChunkStatus.NO_SPACE, "no free blocks: " + count + " needed, "
                    + bitmap.free() + " free");
        }
        int[] allocs = new int[count * 2];
        int i = 0;
        for (long b = offset >>> BLOCK_SHIFT; length > 0 && b <= (offset + length - 1) >>> BLOCK_SHIFT; b++) {
            if (c.map.get((int) b) < 0) {
                allocs[i++] = (int) b;
                allocs[i++] = bitmap.allocate();
            }
        }
        return allocs;
    }

    /**
     * Applies a change to the metadata and returns the data writes that complete it.
     * Records for chunks that do not exist (only possible in a damaged log) change nothing.
     */
    List<DataOp> apply(WalRecord r) {
        List<DataOp> ops = new ArrayList<>();
        switch (r.type()) {
            case CREATE -> chunks.putIfAbsent(r.chunkId(), new Chunk(r.chunkId(), r.length(), r.epoch()));
            case DELETE -> {
                Chunk c = chunks.remove(r.chunkId());
                if (c != null) {
                    c.map.forEach((chunkBlock, dataBlock) -> quarantine.add(dataBlock));
                }
            }
            case WRITE -> {
                Chunk c = chunks.get(r.chunkId());
                if (c == null) {
                    break;
                }
                c.epoch = Math.max(c.epoch, r.epoch());
                int[] allocs = r.allocs();
                for (int i = 0; i < allocs.length; i += 2) {
                    c.map.set(allocs[i], allocs[i + 1]);
                    bitmap.markUsed(allocs[i + 1]);
                }
                forEachSegment(c, r.offset(), r.length(), (dataBlock, dataOffset, from, len) -> {
                    ByteBuffer src = r.payload().duplicate();
                    src.position(src.position() + (int) from).limit(src.position() + (int) len);
                    ops.add(new DataOp(dataOffset, len, src, dataBlock));
                });
            }
            case ZERO -> {
                Chunk c = chunks.get(r.chunkId());
                if (c == null) {
                    break;
                }
                c.epoch = Math.max(c.epoch, r.epoch());
                long end = r.offset() + r.length();
                for (long pos = r.offset(); pos < end; ) {
                    int chunkBlock = (int) (pos >>> BLOCK_SHIFT);
                    long blockStart = (long) chunkBlock << BLOCK_SHIFT;
                    long segEnd = Math.min(end, blockStart + BLOCK_SIZE);
                    int dataBlock = c.map.get(chunkBlock);
                    if (dataBlock >= 0) {
                        if (pos == blockStart && segEnd == blockStart + BLOCK_SIZE) {
                            c.map.clear(chunkBlock);
                            quarantine.add(dataBlock);
                        } else {
                            long dataOffset = ((long) dataBlock << BLOCK_SHIFT) + (pos - blockStart);
                            ops.add(new DataOp(dataOffset, segEnd - pos, null, dataBlock));
                        }
                    }
                    pos = segEnd;
                }
            }
            default -> throw new IllegalStateException("unknown record type " + r.type());
        }
        return ops;
    }

    /** Visits the mapped data ranges of a chunk range, in order. */
    void forEachSegment(Chunk c, long offset, long length, SegmentVisitor visitor) {
        long end = offset + length;
        for (long pos = offset; pos < end; ) {
            int chunkBlock = (int) (pos >>> BLOCK_SHIFT);
            long blockStart = (long) chunkBlock << BLOCK_SHIFT;
            long segEnd = Math.min(end, blockStart + BLOCK_SIZE);
            int dataBlock = c.map.get(chunkBlock);
            long dataOffset = dataBlock < 0 ? -1 : ((long) dataBlock << BLOCK_SHIFT) + (pos - blockStart);
            visitor.visit(dataBlock, dataOffset, pos - offset, segEnd - pos);
            pos = segEnd;
        }
    }

    /** @return the quarantined blocks, now free (the caller has zeroed them) */
    List<Integer> releaseQuarantine() {
        List<Integer> released = new ArrayList<>(quarantine);
        for (int b : released) {
            bitmap.markFree(b);
        }
        quarantine.clear();
        return released;
    }

    /** Receives one block-sized piece of a range. */
    interface SegmentVisitor {
        /**
         * @param dataBlock  the data block, or -1 if not mapped
         * @param dataOffset its byte offset in the data volume, or -1
         * @param from       offset of the piece within the request
         * @param length     bytes of the piece
         */
        void visit(int dataBlock, long dataOffset, long from, long length);
    }
}
