package dev.pfs.chunkserver.store;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The chunk blocks of REMAPs that no FINISHED record covers yet, each with its REMAP's record
 * index. Nothing may write into such a block before a FINISHED covering it is logged (replay
 * would check the REMAP's CRCs against data written after it). Owned by the store's agent.
 */
final class UnconfirmedRemaps {
    private final Map<Long, Map<Integer, Long>> byChunk = new HashMap<>();

    /** Records that REMAP {@code index} maps {@code count} chunk blocks of the chunk from {@code firstBlock}. */
    void add(long chunkId, int firstBlock, int count, long index) {
        Map<Integer, Long> blocks = byChunk.computeIfAbsent(chunkId, k -> new HashMap<>());
        for (int i = 0; i < count; i++) {
            blocks.put(firstBlock + i, index);
        }
    }

    /**
     * @return the newest REMAP index among the chunk blocks the byte range touches, or -1 if
     *         none is unconfirmed ({@code length} may run past the chunk: a whole-chunk change)
     */
    long newestIn(long chunkId, long offset, long length) {
        Map<Integer, Long> blocks = byChunk.get(chunkId);
        if (blocks == null || length <= 0) {
            return -1;
        }
        long first = offset >>> StoreState.BLOCK_SHIFT;
        long last = (Math.min(offset + length, Long.MAX_VALUE - 1) - 1) >>> StoreState.BLOCK_SHIFT;
        long newest = -1;
        if (last - first + 1 <= blocks.size()) {
            for (long b = first; b <= last; b++) {
                Long index = blocks.get((int) b);
                if (index != null) {
                    newest = Math.max(newest, index);
                }
            }
        } else {
            for (var e : blocks.entrySet()) {
                if (e.getKey() >= first && e.getKey() <= last) {
                    newest = Math.max(newest, e.getValue());
                }
            }
        }
        return newest;
    }

    /** Forgets every block whose REMAP index is at most {@code through}: a FINISHED covers it. */
    void confirmedThrough(long through) {
        for (Iterator<Map<Integer, Long>> chunk = byChunk.values().iterator(); chunk.hasNext(); ) {
            Map<Integer, Long> blocks = chunk.next();
            blocks.values().removeIf(index -> index <= through);
            if (blocks.isEmpty()) {
                chunk.remove();
            }
        }
    }

    /** Forgets everything: a checkpoint put every REMAP behind it. */
    void clear() {
        byChunk.clear();
    }
}
