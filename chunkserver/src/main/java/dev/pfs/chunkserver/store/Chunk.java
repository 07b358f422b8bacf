package dev.pfs.chunkserver.store;

/** One chunk on this server: its size, the highest writer epoch it has seen, its block map. */
final class Chunk {
    final long id;
    final long size;
    final ChunkBlockMap map;
    long epoch;

    Chunk(long id, long size, long epoch) {
        this.id = id;
        this.size = size;
        this.epoch = epoch;
        this.map = new ChunkBlockMap(size / StoreState.BLOCK_SIZE);
    }
}
