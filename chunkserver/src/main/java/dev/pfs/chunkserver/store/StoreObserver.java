package dev.pfs.chunkserver.store;

/** Receives the store's internal events, for metrics. Called on the store's agent thread. */
public interface StoreObserver {
    /** An observer that ignores everything. */
    StoreObserver NONE = new StoreObserver() {
    };

    /** One group commit: {@code records} changes made durable by one WAL write and sync. */
    default void walSynced(int records, int bytes, long nanos) {
    }

    /** A checkpoint was written and the WAL reclaimed. */
    default void checkpointed(long nanos) {
    }
}
