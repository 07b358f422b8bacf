package dev.pfs.parallelraft;

/**
 * The caller's durable checkpoints, read by a leader that streams one to a follower whose needed
 * entries it has pruned (a new member, a replaced disk). Called from the thread that drives the
 * node; the node asks only for the checkpoint it was last told of through
 * {@link RaftNode#checkpointed}, in pieces of {@link RaftConfig#checkpointPiece()} bytes.
 */
public interface CheckpointReader {

    /** A reader with no checkpoints: a leader using it cannot stream, so followers wait. */
    CheckpointReader NONE = new CheckpointReader() {
        @Override
        public long size(long index) {
            return -1;
        }

        @Override
        public byte[] read(long index, long offset, int length) {
            return null;
        }
    };

    /**
     * @param index the checkpoint's applied prefix
     * @return its size in bytes, or -1 if the caller no longer holds it (the stream restarts from
     *         the newest checkpoint)
     */
    long size(long index);

    /**
     * @param index  the checkpoint's applied prefix
     * @param offset first byte wanted, below {@link #size}
     * @param length most bytes wanted
     * @return {@code min(length, size - offset)} bytes from {@code offset}, or null if the checkpoint
     *         is gone
     */
    byte[] read(long index, long offset, int length);

    /**
     * Whether {@link #read} can answer for these bytes now. A caller that reads its checkpoints
     * asynchronously says no, starts fetching them, and has the node's {@link RaftNode#ready} called
     * again once they are at hand: the leader sends nothing further of that stream until then (no
     * restart, no offset lost).
     *
     * @return true by default: {@link #read} answers at once
     */
    default boolean available(long index, long offset, int length) {
        return true;
    }
}
