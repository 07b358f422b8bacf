package dev.pfs.chunkserver.store;

/**
 * A chunk's map from chunk block to data block, held in 4096-entry pages that exist only
 * once a block in them is written, so a thin chunk costs little. A full 10 GB chunk
 * (163840 blocks) costs 640 KB.
 */
final class ChunkBlockMap {
    private static final int PAGE_SHIFT = 12;
    private static final int PAGE = 1 << PAGE_SHIFT;

    /** Entries hold the data block + 1; 0 means not mapped. */
    private final int[][] pages;
    private int mapped;

    ChunkBlockMap(long blocks) {
        this.pages = new int[(int) ((blocks + PAGE - 1) >>> PAGE_SHIFT)][];
    }

    /** @return the data block of {@code chunkBlock}, or -1 if it was never written */
    int get(int chunkBlock) {
        int[] page = pages[chunkBlock >>> PAGE_SHIFT];
        return page == null ? -1 : page[chunkBlock & (PAGE - 1)] - 1;
    }

    void set(int chunkBlock, int dataBlock) {
        int p = chunkBlock >>> PAGE_SHIFT;
        if (pages[p] == null) {
            pages[p] = new int[PAGE];
        }
        if (pages[p][chunkBlock & (PAGE - 1)] == 0) {
            mapped++;
        }
        pages[p][chunkBlock & (PAGE - 1)] = dataBlock + 1;
    }

    /** @return the data block that was mapped, or -1 */
    int clear(int chunkBlock) {
        int[] page = pages[chunkBlock >>> PAGE_SHIFT];
        if (page == null || page[chunkBlock & (PAGE - 1)] == 0) {
            return -1;
        }
        int old = page[chunkBlock & (PAGE - 1)] - 1;
        page[chunkBlock & (PAGE - 1)] = 0;
        mapped--;
        return old;
    }

    int mapped() {
        return mapped;
    }

    /** Calls {@code visitor} for every mapped block in chunk-block order. */
    void forEach(MappingVisitor visitor) {
        for (int p = 0; p < pages.length; p++) {
            int[] page = pages[p];
            if (page == null) {
                continue;
            }
            for (int i = 0; i < PAGE; i++) {
                if (page[i] != 0) {
                    visitor.visit((p << PAGE_SHIFT) | i, page[i] - 1);
                }
            }
        }
    }

    /** @return bytes of heap this map holds */
    long memoryBytes() {
        long bytes = 16 + 8L * pages.length;
        for (int[] page : pages) {
            if (page != null) {
                bytes += 16 + 4L * PAGE;
            }
        }
        return bytes;
    }

    /** Receives one mapping. */
    interface MappingVisitor {
        void visit(int chunkBlock, int dataBlock);
    }
}
