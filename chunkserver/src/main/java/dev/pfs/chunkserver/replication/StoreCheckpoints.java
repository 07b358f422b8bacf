package dev.pfs.chunkserver.replication;

import dev.pfs.chunkserver.store.ChunkStore;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Turns applied entries into group checkpoints, on the agent's thread. A group's committed
 * writes go to the store in place and unlogged, so its applied prefix is a checkpoint (and its
 * log may be pruned behind it) only once those writes are in a store checkpoint; this class
 * keeps the groups still waiting, asks the store for a checkpoint when some wait for nothing
 * else, and passes each group its new durable prefix.
 */
final class StoreCheckpoints {
    /**
     * How often at most a store checkpoint is asked for while applied writes wait for one (sooner
     * when the log runs short of room): each is a data-volume sync plus a metadata write, and
     * until it the applied entries stay in the log and in memory.
     */
    static final long STORE_CHECKPOINT_NANOS = 250_000_000L;

    private final ChunkStore store;
    /** Groups whose applied entries still wait for store writes before they are a checkpoint. */
    private final Set<ReplicaGroup> applying = new LinkedHashSet<>();
    /** Whether a store checkpoint asked for is under way, and when the last was asked for. */
    private boolean asked;
    private long lastAsked = System.nanoTime();

    StoreCheckpoints(ChunkStore store) {
        this.store = store;
    }

    /** {@code g} applied entries this round: they become its checkpoint once the store holds them. */
    void applying(ReplicaGroup g) {
        applying.add(g);
    }

    /** {@code g} left this server: nothing of it is checkpointed any more. */
    void forget(ReplicaGroup g) {
        applying.remove(g);
    }

    /** Passes the store's durable applied prefixes to the nodes; {@code moved} gets each group whose one moved. */
    void take(Consumer<ReplicaGroup> moved) {
        long durable = store.inPlaceDurable();
        for (Iterator<ReplicaGroup> it = applying.iterator(); it.hasNext(); ) {
            ReplicaGroup g = it.next();
            if (g.checkpoint(durable)) {
                moved.accept(g);
            }
            if (!g.applying()) {
                it.remove();
            }
        }
    }

    /**
     * Asks the store for a checkpoint if some group's applied writes wait only for one, none is
     * under way, and {@code soon} or {@link #STORE_CHECKPOINT_NANOS} passed since the last.
     *
     * @return the checkpoint asked for, or null if none was; {@link #finished} must follow it
     */
    CompletableFuture<Void> ask(long now, boolean soon) {
        if (asked) {
            return null;
        }
        long durable = store.inPlaceDurable();
        boolean waiting = false;
        for (ReplicaGroup g : applying) {
            if (g.awaitsStoreCheckpoint(durable)) {
                waiting = true;
                break;
            }
        }
        if (!waiting || (!soon && now - lastAsked < STORE_CHECKPOINT_NANOS)) {
            return null;
        }
        asked = true;
        lastAsked = now;
        return store.checkpoint();
    }

    /** The checkpoint {@link #ask} returned completed, either way. */
    void finished() {
        asked = false;
    }
}
