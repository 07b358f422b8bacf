package dev.pfs.chunkserver.store;

import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the data file's space written ahead of the bitmap. Blocks below the frontier have been
 * written with zeros and synced, so the host file system has allocated and converted their
 * extents: a data write into them is a pure overwrite, its sync needs no file-system journal
 * commit, and it can never meet ENOSPC after its change was acknowledged (nor can replay).
 * Blocks are handed out lowest first, so every block in use is below the frontier; the store
 * asks {@link #ensureFree} before it logs a change that allocates, and answers NO_SPACE when
 * the host file system cannot give the space. Space is never given back: freed blocks are
 * zeroed by writing zeros, not by punching holes.
 *
 * <p>Owned by the store's agent; the extension writes run on the data volume's I/O threads.
 */
final class WriteAhead {
    private static final Logger LOG = LoggerFactory.getLogger(WriteAhead.class);
    private static final int PIECE = Zeros.MAX;

    private final BlockVolume data;
    /**
     * Told about a failure other than ENOSPC: a failed flush of the data file may have dropped
     * data writes of acknowledged changes, so the store must stop and replay its log.
     */
    private final BiConsumer<String, Throwable> onFailure;
    private final int blocks;
    private final int runBlocks;
    private int frontier;
    private CompletableFuture<Integer> extension;
    private String lastFailure;

    /**
     * @param frontier  blocks known to be written already (one past the highest in use)
     * @param runBlocks how many blocks one extension writes
     */
    WriteAhead(BlockVolume data, int blocks, int frontier, int runBlocks, BiConsumer<String, Throwable> onFailure) {
        this.data = data;
        this.onFailure = onFailure;
        this.blocks = blocks;
        this.frontier = frontier;
        this.runBlocks = Math.max(1, runBlocks);
    }

    /** @return blocks below the frontier */
    int frontier() {
        return frontier;
    }

    /**
     * Makes sure {@code needed} free blocks lie below the frontier, {@code used} blocks being in
     * use (all below it), waiting for an extension if it must; starts the next extension early
     * when fewer than half a run is left.
     *
     * @throws ChunkException NO_SPACE if the host file system cannot give the space
     */
    void ensureFree(int used, int needed) throws ChunkException {
        collect();
        while (frontier - used < needed && frontier < blocks) {
            start();
            try {
                frontier = Math.max(frontier, VolumeException.await(extension));
            } catch (VolumeException e) {
                failed(e);
                throw new ChunkException(e.kind() == VolumeException.Kind.NO_SPACE ? ChunkStatus.NO_SPACE
                        : ChunkStatus.IO_ERROR, "no space for new data blocks: the data file could not"
                        + " be extended past block " + frontier + " (" + e.getMessage() + ")", e);
            } finally {
                extension = null;
            }
        }
        if (frontier - used < needed) {
            throw new ChunkException(ChunkStatus.NO_SPACE, "no free blocks: " + needed + " needed, "
                    + (frontier - used) + " free");
        }
        if (frontier - used - needed < runBlocks / 2 && lastFailure == null) {
            start();
        }
    }

    /** Takes the result of a finished extension, if any. */
    private void collect() {
        if (extension != null && extension.isDone()) {
            try {
                frontier = Math.max(frontier, VolumeException.await(extension));
            } catch (VolumeException e) {
                failed(e);
            }
            extension = null;
        }
    }

    private void failed(VolumeException e) {
        lastFailure = e.getMessage();
        if (e.kind() == VolumeException.Kind.NO_SPACE) {
            LOG.warn("cannot write data file space ahead of block {}: {}", frontier, e.getMessage());
        } else {
            onFailure.accept("writing data file space ahead failed: " + e.getMessage(), e);
        }
    }

    /** Starts writing the next run of zeros past the frontier, unless one is running or the disk is covered. */
    void start() {
        if (extension != null || frontier >= blocks) {
            return;
        }
        lastFailure = null;
        int from = frontier;
        int to = (int) Math.min(blocks, (long) from + runBlocks);
        long start = (long) from << StoreState.BLOCK_SHIFT;
        long end = (long) to << StoreState.BLOCK_SHIFT;
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (long at = start; at < end; at += PIECE) {
            long pos = at;
            int length = (int) Math.min(PIECE, end - at);
            chain = chain.thenCompose(v -> data.write(pos, Zeros.of(length), BlockVolume.NO_EPOCH, false));
        }
        // Synced before any block of the run is handed out: after a power cut the space is still written.
        extension = chain.thenCompose(v -> data.flush()).thenApply(v -> to);
    }

    /** Waits for an extension in flight, so that nothing writes the data file behind a checkpoint's back. */
    void drain() {
        if (extension != null) {
            extension.handle((v, t) -> null).join();
            collect();
        }
    }
}
