package dev.pfs.chunkserver.store;

/** One chunk on this server: its size and its block map (its epoch is its volume's). */
final class Chunk {
    final long id;
    final long size;
    final ChunkBlockMap map;

    Chunk(long id, long size) {
        this.id = id;
        this.size = size;
        this.map = new ChunkBlockMap(size / StoreState.BLOCK_SIZE);
    }
}
