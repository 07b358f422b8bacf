package dev.pfs.chunkserver.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UnconfirmedRemapsTest {
    private static final long BLOCK = ChunkStore.BLOCK_SIZE;

    @Test
    void aRangeFindsTheNewestRemapOfTheBlocksItTouchesOnly() {
        UnconfirmedRemaps remaps = new UnconfirmedRemaps();
        remaps.add(1, 4, 4, 10);
        remaps.add(1, 6, 1, 12);
        remaps.add(2, 0, 1, 20);
        assertThat(remaps.newestIn(1, 0, 4 * BLOCK)).as("blocks 0-3").isEqualTo(-1);
        assertThat(remaps.newestIn(1, 4 * BLOCK - 512, 1024)).as("the last sector of 3, the first of 4")
                .isEqualTo(10);
        assertThat(remaps.newestIn(1, 5 * BLOCK, 2 * BLOCK)).isEqualTo(12);
        assertThat(remaps.newestIn(1, 0, Long.MAX_VALUE)).as("the whole chunk").isEqualTo(12);
        assertThat(remaps.newestIn(3, 0, Long.MAX_VALUE)).isEqualTo(-1);
    }

    @Test
    void confirmingForgetsTheRemapsUpToAnIndex() {
        UnconfirmedRemaps remaps = new UnconfirmedRemaps();
        remaps.add(1, 0, 2, 10);
        remaps.add(1, 2, 2, 12);
        remaps.confirmedThrough(10);
        assertThat(remaps.newestIn(1, 0, 2 * BLOCK)).isEqualTo(-1);
        assertThat(remaps.newestIn(1, 0, Long.MAX_VALUE)).isEqualTo(12);
        remaps.clear();
        assertThat(remaps.newestIn(1, 0, Long.MAX_VALUE)).isEqualTo(-1);
    }
}
