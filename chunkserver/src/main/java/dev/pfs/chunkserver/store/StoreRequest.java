package dev.pfs.chunkserver.store;

import dev.pfs.chunkserver.protocol.ChunkInfo;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/** A request queued for the store's agent; each completes its own future. */
sealed interface StoreRequest {
    /** @return the future the caller waits on */
    CompletableFuture<?> future();

    /** Reads into {@code dst} from its position to its limit. */
    record Read(long chunkId, long offset, ByteBuffer dst, CompletableFuture<Void> future) implements StoreRequest {
    }

    /**
     * Writes {@code src} (position to limit); {@code submitted} is its {@link System#nanoTime()}
     * at submission; {@code blockCrcs} is the CRC32C of each 64 KB block of {@code src} if the
     * caller has them, else null.
     */
    record Write(long chunkId, long epoch, long offset, ByteBuffer src, int[] blockCrcs, long submitted,
                 CompletableFuture<Void> future) implements StoreRequest {
    }

    /**
     * Writes {@code src} (position to limit) into the chunk's blocks without logging it, when
     * that is safe (see {@link ChunkStore#writeInPlace}); otherwise as a logged {@link Write}.
     */
    record InPlaceWrite(long chunkId, long epoch, long offset, ByteBuffer src, CompletableFuture<Void> future)
            implements StoreRequest {
    }

    /** Writes a checkpoint if in-place writes wait for one; completes once they are durable. */
    record Checkpoint(CompletableFuture<Void> future) implements StoreRequest {
    }

    /** Zeroes a range, freeing whole blocks. */
    record Zero(long chunkId, long epoch, long offset, long length, CompletableFuture<Void> future)
            implements StoreRequest {
    }

    /** Creates a chunk. */
    record Create(long chunkId, long epoch, long size, CompletableFuture<Void> future) implements StoreRequest {
    }

    /** Raises the writer epoch of the chunk's volume. */
    record Fence(long chunkId, long epoch, CompletableFuture<Void> future) implements StoreRequest {
    }

    /** Deletes a chunk. */
    record Delete(long chunkId, long epoch, CompletableFuture<Void> future) implements StoreRequest {
    }

    /** Reports on a chunk. */
    record Stat(long chunkId, CompletableFuture<ChunkInfo> future) implements StoreRequest {
    }

    /** Completes once every write before it is durable. */
    record Flush(CompletableFuture<Void> future) implements StoreRequest {
    }

    /** Stops the agent after a final checkpoint. */
    record Stop(CompletableFuture<Void> future) implements StoreRequest {
    }
}
