package dev.pfs.chunkserver.store;

import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkId;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.wal.WalRecord;
import dev.pfs.chunkserver.wal.WalRecordType;
import dev.pfs.common.volume.BlockVolume;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The store's metadata in memory: the chunks with their block maps, each volume's writer
 * epoch, and the free-block bitmap. It checks requests and turns a logged change into the data-volume writes
 * that apply it; the same {@link #apply} runs live and at WAL replay, so both end in the same
 * state. Blocks freed by a change are quarantined until the next checkpoint, so no read in
 * flight can see a block reused. A free block may hold what it held before it was freed: a block
 * a write allocates is written in full, the write's data and zeros around it, unless no data
 * block at or above it has been written since format ({@link #writtenBelow}). Owned by one thread.
 */
final class StoreState {
    /** The allocation unit of thin provisioning. */
    static final int BLOCK_SIZE = 64 * 1024;
    static final int BLOCK_SHIFT = 16;

    final Map<Long, Chunk> chunks = new HashMap<>();
    /** The highest writer epoch each volume has seen; kept when its chunks are deleted. */
    final Map<Long, Long> volumeEpochs = new HashMap<>();
    final BlockBitmap bitmap;
    final List<Integer> quarantine = new ArrayList<>();
    /**
     * During replay, the blocks of the REMAPs in the log that made it, not mapped yet: in use,
     * so that no WRITE replayed before a REMAP allocates its blocks.
     */
    final Set<Integer> reserved = new HashSet<>();
    /** Indexes of the REMAP records replay skips: their blocks do not hold the data their CRCs name. */
    final Set<Long> rejectedRemaps = new HashSet<>();
    final int maxChunks;
    /** Bytes per chunk block in a REMAP record: the data block (u32) and the CRC32C of its 64 KB (u32). */
    static final int REMAP_ENTRY_BYTES = 8;
    /**
     * No data block at or above this one has been written since format, so one allocated there
     * reads as zeros; those below may hold stale data. Never lowered; after a restart it starts
     * at {@link #writtenLimit}.
     */
    int writtenBelow;
    /**
     * What the log and the checkpoints promise of {@link #writtenBelow}: no block at or above
     * it has been written. Raised by {@link WalRecordType#WRITTEN_LIMIT} records, logged before
     * a write reaches a block past it.
     */
    int writtenLimit;

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

    /** Checks alignment, range and epoch of a request on a chunk range. */
    Chunk checkRange(long chunkId, long offset, long length, long epoch, boolean write) throws ChunkException {
        if (write) {
            checkEpoch(chunkId, epoch);
        }
        Chunk c = chunk(chunkId);
        if (offset % BlockVolume.SECTOR_SIZE != 0 || length % BlockVolume.SECTOR_SIZE != 0) {
            throw new ChunkException(ChunkStatus.MISALIGNED, "chunk " + chunkId + ": offset " + offset
                    + " and length " + length + " must be multiples of 512");
        }
        if (offset < 0 || length < 0 || offset + length > c.size || offset + length < 0) {
            throw new ChunkException(ChunkStatus.OUT_OF_RANGE, "chunk " + chunkId + ": range [" + offset
                    + ", " + (offset + length) + ") is outside its " + c.size + " bytes");
        }
        return c;
    }

    /**
     * Refuses a change from a writer older than one the chunk's volume has seen. The epoch
     * belongs to the volume, so a new holder's first change (or FENCE) on any chunk fences
     * every chunk of the volume on this server; once any epoch was seen, {@link
     * BlockVolume#NO_EPOCH} (0) is older too and refused.
     */
    void checkEpoch(long chunkId, long epoch) throws ChunkException {
        long seen = volumeEpoch(chunkId);
        if (epoch < seen) {
            throw new ChunkException(ChunkStatus.STALE_EPOCH, "volume " + ChunkId.volume(chunkId) + " (chunk "
                    + chunkId + "): stale epoch " + epoch + " < " + seen);
        }
        if (epoch > seen && !volumeEpochs.containsKey(ChunkId.volume(chunkId)) && volumeEpochs.size() >= maxChunks) {
            throw new ChunkException(ChunkStatus.NO_SPACE, "this store fences at most " + maxChunks + " volumes");
        }
    }

    /** @return the highest epoch the volume of {@code chunkId} has seen (0: none) */
    long volumeEpoch(long chunkId) {
        return volumeEpochs.getOrDefault(ChunkId.volume(chunkId), 0L);
    }

    private void raiseEpoch(long chunkId, long epoch) {
        if (epoch > volumeEpoch(chunkId)) {
            volumeEpochs.put(ChunkId.volume(chunkId), epoch);
        }
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

    /**
     * Applies a change to the metadata and returns the data writes that complete it. A WRITE
     * allocates its unmapped blocks here, lowest first, so the live store and a replay of the
     * log allocate the same blocks; the caller checked that enough are free. Records for
     * chunks that do not exist (only possible in a damaged log) change nothing.
     */
    List<DataOp> apply(WalRecord r) {
        List<DataOp> ops = new ArrayList<>();
        switch (r.type()) {
            case CREATE -> {
                raiseEpoch(r.chunkId(), r.epoch());
                chunks.putIfAbsent(r.chunkId(), new Chunk(r.chunkId(), r.length()));
            }
            case FENCE -> raiseEpoch(r.chunkId(), r.epoch());
            case DELETE -> {
                raiseEpoch(r.chunkId(), r.epoch());
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
                raiseEpoch(r.chunkId(), r.epoch());
                Set<Integer> padded = allocate(c, r.offset(), r.length());
                forEachSegment(c, r.offset(), r.length(), (dataBlock, dataOffset, from, len) -> {
                    ByteBuffer src = r.payload().duplicate();
                    src.position(src.position() + (int) from).limit(src.position() + (int) len);
                    long blockStart = (long) dataBlock << BLOCK_SHIFT;
                    boolean pad = padded.contains(dataBlock);
                    // Ops on one block run in list order: zeros before the data, the data, zeros after.
                    if (pad && dataOffset > blockStart) {
                        ops.add(new DataOp(blockStart, dataOffset - blockStart, null, dataBlock));
                    }
                    ops.add(new DataOp(dataOffset, len, src, dataBlock));
                    if (pad && dataOffset + len < blockStart + BLOCK_SIZE) {
                        ops.add(new DataOp(dataOffset + len, blockStart + BLOCK_SIZE - dataOffset - len, null,
                                dataBlock));
                    }
                });
            }
            case REMAP -> remap(r);
            case FINISHED -> { }
            case WRITTEN_LIMIT -> writtenLimit = Math.max(writtenLimit, (int) Math.min(bitmap.blocks(), r.length()));
            case ZERO -> {
                Chunk c = chunks.get(r.chunkId());
                if (c == null) {
                    break;
                }
                raiseEpoch(r.chunkId(), r.epoch());
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

    /** @return the blocks allocated that may hold stale data, so must be written in full */
    private Set<Integer> allocate(Chunk c, long offset, long length) {
        Set<Integer> padded = Set.of();
        for (long b = offset >>> BLOCK_SHIFT; length > 0 && b <= (offset + length - 1) >>> BLOCK_SHIFT; b++) {
            if (c.map.get((int) b) < 0) {
                int dataBlock = bitmap.allocate();
                if (dataBlock < 0) {
                    throw new IllegalStateException("no free block for a logged write to chunk " + c.id);
                }
                c.map.set((int) b, dataBlock);
                if (dataBlock < writtenBelow) {
                    if (padded.isEmpty()) {
                        padded = new HashSet<>();
                    }
                    padded.add(dataBlock);
                }
                writtenBelow = Math.max(writtenBelow, dataBlock + 1);
            }
        }
        return padded;
    }

    /**
     * Applies a REMAP: each chunk block of the range now maps to the block the record names
     * (allocated here; reserved already during replay), and the block it mapped before is
     * quarantined. A REMAP replay found not to have made it ({@link #rejectedRemaps}) changes
     * nothing.
     */
    private void remap(WalRecord r) {
        if (rejectedRemaps.contains(r.index())) {
            return;
        }
        Chunk c = chunks.get(r.chunkId());
        int first = (int) (r.offset() >>> BLOCK_SHIFT);
        int count = (int) (r.length() >>> BLOCK_SHIFT);
        ByteBuffer entries = r.payload().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (c == null || r.offset() % BLOCK_SIZE != 0 || r.length() % BLOCK_SIZE != 0
                || entries.remaining() != REMAP_ENTRY_BYTES * count || r.offset() + r.length() > c.size) {
            throw new IllegalStateException("REMAP record " + r.index() + " of chunk " + r.chunkId()
                    + " does not fit the store's state");
        }
        raiseEpoch(r.chunkId(), r.epoch());
        for (int i = 0; i < count; i++) {
            int dataBlock = entries.getInt(entries.position() + REMAP_ENTRY_BYTES * i);
            if (!reserved.remove(dataBlock)) {
                if (dataBlock < 0 || dataBlock >= bitmap.blocks() || bitmap.isUsed(dataBlock)) {
                    throw new IllegalStateException("REMAP record " + r.index() + " names data block " + dataBlock
                            + ", which is not free");
                }
                bitmap.markUsed(dataBlock);
            }
            int old = c.map.get(first + i);
            if (old >= 0) {
                quarantine.add(old);
            }
            c.map.set(first + i, dataBlock);
            writtenBelow = Math.max(writtenBelow, dataBlock + 1);
        }
    }

    /**
     * @param crcs the CRC32C of each block of {@code src}, or null to take them here
     * @return a REMAP's payload: per block of {@code src}, its data block and the CRC32C of its 64 KB
     */
    static ByteBuffer remapEntries(int[] blocks, ByteBuffer src, int[] crcs) {
        ByteBuffer entries = ByteBuffer.allocate(REMAP_ENTRY_BYTES * blocks.length).order(ByteOrder.LITTLE_ENDIAN);
        CRC32C crc = crcs == null ? new CRC32C() : null;
        for (int i = 0; i < blocks.length; i++) {
            if (crcs != null) {
                entries.putInt(blocks[i]).putInt(crcs[i]);
                continue;
            }
            crc.reset();
            crc.update(src.slice(src.position() + (i << BLOCK_SHIFT), BLOCK_SIZE));
            entries.putInt(blocks[i]).putInt((int) crc.getValue());
        }
        return entries.flip();
    }

    /** @return the {@code count} lowest free blocks (left free), or fewer if fewer are free */
    int[] lowestFree(int count) {
        int[] taken = new int[count];
        int n = 0;
        while (n < count && (taken[n] = bitmap.allocate()) >= 0) {
            n++;
        }
        for (int i = 0; i < n; i++) {
            bitmap.markFree(taken[i]);
        }
        return n < count ? Arrays.copyOf(taken, n) : taken;
    }

    /** After replay: frees the blocks REMAPs in the log named but did not map (a damaged log only). */
    void releaseReservations() {
        for (int b : reserved) {
            bitmap.markFree(b);
        }
        reserved.clear();
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
