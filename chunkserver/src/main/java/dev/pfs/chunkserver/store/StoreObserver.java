package dev.pfs.chunkserver.store;

/**
 * Receives the store's internal events, for metrics. Called on the store's agent thread and on
 * the WAL's I/O threads (a commit is finished by the thread that completed it): thread-safe.
 */
public interface StoreObserver {
    /** An observer that ignores everything. */
    StoreObserver NONE = new StoreObserver() {
    };

    /** One group commit: {@code records} changes made durable by one WAL write and sync. */
    default void walSynced(int records, int bytes, long nanos) {
    }

    /**
     * One group commit's WAL append, split: building the frame (copying the records in and
     * computing their CRCs) and the durable write of it.
     */
    default void walAppended(long encodeNanos, long writeNanos) {
    }

    /**
     * Where one write waited in the store before it was durable.
     *
     * @param queuedNanos  from submission until the agent took it
     * @param batchedNanos from then until its group commit's WAL write started
     * @param syncNanos    the WAL write and sync
     */
    default void writeWaited(long queuedNanos, long batchedNanos, long syncNanos) {
    }

    /** A group commit's WAL write is issued with {@code frames} frames in flight, itself included. */
    default void walInFlight(int frames) {
    }

    /** A write of {@code blocks} whole blocks went to fresh blocks and its REMAP was logged. */
    default void redirected(int blocks) {
    }

    /** A checkpoint was written and the WAL reclaimed. */
    default void checkpointed(long nanos) {
    }
}
