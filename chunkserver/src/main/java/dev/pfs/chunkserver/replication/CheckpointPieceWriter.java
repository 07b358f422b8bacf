package dev.pfs.chunkserver.replication;

import dev.pfs.chunkserver.store.ChunkStore;
import dev.pfs.parallelraft.CheckpointPiece;
import dev.pfs.parallelraft.Ready;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes the checkpoint pieces a replica receives from its leader into its chunk in the store.
 * A checkpoint's first piece starts with the leader's header ({@link ChunkCheckpoint.Header}:
 * origin and writer epoch), which the group takes; the rest of the bytes are the chunk, and a
 * piece of zeros becomes a write-zeroes. Called on the agent's thread.
 */
final class CheckpointPieceWriter {
    private final ChunkStore store;
    /** Pieces written (those with chunk bytes). */
    final AtomicLong pieces = new AtomicLong();

    CheckpointPieceWriter(ChunkStore store) {
        this.store = store;
    }

    /**
     * @return done once every piece of {@code rd} is durable in the store (failed if one failed)
     * @throws IllegalArgumentException saying why, if a piece does not follow its checkpoint's
     *                                  header (replication must stop: the stream is not the leader's)
     */
    CompletableFuture<Void> write(ReplicaGroup g, Ready rd) {
        long chunk = g.spec.chunkId();
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (CheckpointPiece p : rd.checkpointPieces()) {
            byte[] d = p.data();
            int skip = 0;
            if (p.offset() == 0) {
                ChunkCheckpoint.Header h = ChunkCheckpoint.header(d);
                if (h == null) {
                    throw new IllegalArgumentException("group " + chunk + ": checkpoint " + p.index()
                            + " from the leader has no header");
                }
                g.streaming(p.index(), h);
                skip = ChunkCheckpoint.HEADER;
            } else if (p.offset() < ChunkCheckpoint.HEADER || g.streamed(p.index()) == null) {
                throw new IllegalArgumentException("group " + chunk + ": checkpoint " + p.index() + " piece at "
                        + p.offset() + " does not follow its header");
            }
            long at = ChunkCheckpoint.chunkOffset(p.offset() + skip);
            int length = d.length - skip;
            if (length == 0) {
                continue;
            }
            pieces.incrementAndGet();
            writes.add(zeros(d, skip) ? store.writeZeroes(chunk, 0, at, length)
                    : store.write(chunk, 0, at, ByteBuffer.wrap(d, skip, length)));
        }
        return CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0]));
    }

    private static boolean zeros(byte[] d, int from) {
        for (int i = from; i < d.length; i++) {
            if (d[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
