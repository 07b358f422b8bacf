package dev.pfs.chunkserver.store;

/** The free-block bitmap of the data volume: one bit per 64 KB block, set when in use. */
final class BlockBitmap {
    private final long[] words;
    private final int blocks;
    private int used;
    /** No word below this one has a free bit: an accelerator of lowest-first, not state. */
    private int lowestFreeWord;

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
            lowestFreeWord = Math.min(lowestFreeWord, block >>> 6);
        }
    }

    /**
     * @return the lowest free block, now marked used, or -1 if none is left. Lowest-first
     *         makes allocation a function of the bitmap alone, so replaying a log over a
     *         checkpoint allocates exactly the blocks the live store did, and the blocks in use
     *         stay below the data file's written-ahead frontier.
     */
    int allocate() {
        if (used == blocks) {
            return -1;
        }
        for (int w = lowestFreeWord; w < words.length; w++) {
            long free = ~words[w];
            if (free != 0) {
                int block = w * 64 + Long.numberOfTrailingZeros(free);
                if (block >= blocks) {
                    return -1;
                }
                lowestFreeWord = w;
                markUsed(block);
                return block;
            }
        }
        return -1;
    }

    /** @return one more than the highest block in use (0 if none is) */
    int highestUsedExclusive() {
        for (int w = words.length - 1; w >= 0; w--) {
            if (words[w] != 0) {
                return w * 64 + 64 - Long.numberOfLeadingZeros(words[w]);
            }
        }
        return 0;
    }

    long[] words() {
        return words;
    }

    /** @return bytes of heap this bitmap holds */
    long memoryBytes() {
        return 16 + 8L * words.length;
    }
}
