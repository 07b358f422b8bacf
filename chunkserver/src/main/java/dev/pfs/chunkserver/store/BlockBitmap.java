package dev.pfs.chunkserver.store;

/** The free-block bitmap of the data volume: one bit per 64 KB block, set when in use. */
final class BlockBitmap {
    private final long[] words;
    private final int blocks;
    private int used;
    private int hint;

    BlockBitmap(int blocks) {
        this.blocks = blocks;
        this.words = new long[(blocks + 63) / 64];
    }

    int blocks() {
        return blocks;
    }

    int used() {
        return used;
    }

    int free() {
        return blocks - used;
    }

    boolean isUsed(int block) {
        return (words[block >>> 6] & (1L << block)) != 0;
    }

    void markUsed(int block) {
        if (!isUsed(block)) {
            words[block >>> 6] |= 1L << block;
            used++;
        }
    }

    void markFree(int block) {
        if (isUsed(block)) {
            words[block >>> 6] &= ~(1L << block);
            used--;
        }
    }

    /** @return a free block, now marked used, or -1 if none is left */
    int allocate() {
        if (used == blocks) {
            return -1;
        }
        for (int i = 0; i < words.length; i++) {
            int w = (hint + i) % words.length;
            long free = ~words[w];
            if (free != 0) {
                int block = w * 64 + Long.numberOfTrailingZeros(free);
                if (block < blocks) {
                    hint = w;
                    markUsed(block);
                    return block;
                }
            }
        }
        return -1;
    }

    long[] words() {
        return words;
    }

    /** @return bytes of heap this bitmap holds */
    long memoryBytes() {
        return 16 + 8L * words.length;
    }
}
