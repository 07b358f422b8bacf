package dev.pfs.chunkserver.store;

import dev.pfs.common.volume.BlockVolume;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Does the data-volume I/O of logged changes. Writes to one data block run in log order (each
 * waits for the one before it on the same block); writes to different blocks run in
 * parallel, and reads of a block wait for the writes to it started before them. Tracks every
 * I/O in flight so a checkpoint can wait for all of it.
 */
final class DataApplier {
    private final BlockVolume data;
    private final ConcurrentHashMap<Integer, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();
    private final Set<CompletableFuture<Void>> inflight = ConcurrentHashMap.newKeySet();

    DataApplier(BlockVolume data) {
        this.data = data;
    }

    /** @return a future done when every op is on the data volume (not yet synced) */
    CompletableFuture<Void> apply(List<DataOp> ops) {
        if (ops.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        if (ops.size() == 1) {
            return submit(ops.getFirst());
        }
        CompletableFuture<?>[] all = new CompletableFuture<?>[ops.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = submit(ops.get(i));
        }
        return CompletableFuture.allOf(all);
    }

    private CompletableFuture<Void> submit(DataOp op) {
        CompletableFuture<Void> result = tails.compute(op.dataBlock(), (block, previous) -> previous == null
                ? start(op)
                : previous.handle((v, t) -> null).thenCompose(v -> start(op)));
        track(result);
        result.whenComplete((v, t) -> tails.remove(op.dataBlock(), result));
        return result;
    }

    /**
     * Writes {@code src} (position to limit, whole blocks) over fresh {@code blocks}, one write
     * per run of consecutive blocks; reads of those blocks wait for it. Not FUA: the caller
     * flushes the data volume once for all the writes of a commit.
     *
     * @return a future done when all of it is on the data volume (not yet synced)
     */
    CompletableFuture<Void> writeBlocks(int[] blocks, ByteBuffer src) {
        List<CompletableFuture<Void>> runs = new ArrayList<>(1);
        int base = src.position();
        for (int i = 0; i < blocks.length; ) {
            int j = i + 1;
            while (j < blocks.length && blocks[j] == blocks[j - 1] + 1) {
                j++;
            }
            ByteBuffer part = src.duplicate();
            part.limit(base + (j << StoreState.BLOCK_SHIFT)).position(base + (i << StoreState.BLOCK_SHIFT));
            CompletableFuture<Void> run = data.write((long) blocks[i] << StoreState.BLOCK_SHIFT, part,
                    BlockVolume.NO_EPOCH, false);
            track(run);
            for (int k = i; k < j; k++) {
                int block = blocks[k];
                // A fresh block has no write before this one: nothing to order behind.
                tails.put(block, run);
                run.whenComplete((v, t) -> tails.remove(block, run));
            }
            runs.add(run);
            i = j;
        }
        return runs.size() == 1 ? runs.getFirst() : CompletableFuture.allOf(runs.toArray(new CompletableFuture<?>[0]));
    }

    private CompletableFuture<Void> start(DataOp op) {
        return op.src() == null
                ? data.write(op.dataOffset(), Zeros.of((int) op.length()), BlockVolume.NO_EPOCH, false)
                : data.write(op.dataOffset(), op.src().duplicate(), BlockVolume.NO_EPOCH, false);
    }

    /**
     * Reads a data range of {@code dataBlock} into {@code dst} (position to limit), after any
     * write to that block that was started before, so a read sees every write acknowledged
     * before it even when that write's data is still on its way to the disk.
     */
    CompletableFuture<Void> read(int dataBlock, long dataOffset, ByteBuffer dst) {
        CompletableFuture<Void> before = tails.get(dataBlock);
        CompletableFuture<Void> f = before == null ? data.read(dataOffset, dst)
                : before.thenCompose(v -> data.read(dataOffset, dst));
        track(f);
        return f;
    }

    private void track(CompletableFuture<Void> f) {
        inflight.add(f);
        f.whenComplete((v, t) -> inflight.remove(f));
    }

    /** Waits until no I/O is in flight; failures are the issuers' to report. */
    void drain() {
        CompletableFuture.allOf(inflight.toArray(new CompletableFuture<?>[0])).handle((v, t) -> null).join();
    }
}
