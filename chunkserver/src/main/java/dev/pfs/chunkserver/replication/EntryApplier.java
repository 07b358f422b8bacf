package dev.pfs.chunkserver.replication;

import dev.pfs.chunkserver.store.ChunkStore;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.parallelraft.Entry;
import dev.pfs.parallelraft.EntryKind;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * Applies the committed entries of one round to the chunk store, on the agent's thread: writes
 * in place (the store runs them in the order given), reads once the writes applied before them
 * are done. The round's writes are collected so that each group can tell when its applied
 * prefix is in the store ({@link #takeWrites}).
 */
final class EntryApplier {
    private final ChunkStore store;
    /** Told why replication must stop; called on the store's threads too, so it must only post. */
    private final BiConsumer<String, Throwable> failed;
    /** This round's in-place writes so far, in the order they were given to the store. */
    private final List<CompletableFuture<Void>> roundWrites = new ArrayList<>();

    EntryApplier(ChunkStore store, BiConsumer<String, Throwable> failed) {
        this.store = store;
        this.failed = failed;
    }

    /** Applies a committed entry to the store; the store runs its writes in the order they are given. */
    void apply(ReplicaGroup g, Entry e) {
        if (e.kind() != EntryKind.WRITE) {
            return;
        }
        Command c = Command.decode(e.data());
        if (c == null) {
            failed.accept("group " + g.spec.chunkId() + ": entry " + e + " carries no command", null);
            return;
        }
        long chunk = g.spec.chunkId();
        switch (c.kind()) {
            // In place, unlogged: the entry stays in this log until a store checkpoint covers it.
            case WRITE -> roundWrites.add(store.writeInPlace(chunk, 0, c.offset(),
                    ByteBuffer.wrap(e.data(), Command.HEADER, (int) c.length())).whenComplete((v, t) -> {
                        if (t != null) {
                            failed.accept("chunk " + chunk + ": applying entry " + e.index() + " failed: "
                                    + VolumeException.unwrap(t).getMessage(), t);
                        }
                    }));
            case FENCE -> {
            }
            case READ -> {
                ReplicaGroup.Waiting w = g.appliedRead(e);
                if (w != null) {
                    ByteBuffer dst = Arena.ofAuto().allocate(c.length(), 4096).asByteBuffer();
                    // The store maps a write's blocks when it logs it but writes their data only
                    // after its WAL commit, so a read it takes in between reads the blocks' old
                    // content: the read waits for the writes applied before it.
                    g.writesBefore(roundWrites).handle((v, t) -> null)
                            .thenCompose(v -> store.read(chunk, c.offset(), dst)).whenComplete((v, t) -> {
                        if (t == null) {
                            byte[] out = new byte[(int) c.length()];
                            dst.clear().get(out);
                            w.future().complete(out);
                        } else {
                            w.future().completeExceptionally(VolumeException.unwrap(t));
                        }
                    });
                }
            }
        }
    }

    /** @return the writes applied since the last call, in order; the next round starts afresh */
    List<CompletableFuture<Void>> takeWrites() {
        List<CompletableFuture<Void>> writes = List.copyOf(roundWrites);
        roundWrites.clear();
        return writes;
    }
}
