package dev.pfs.parallelraft;

/**
 * A piece of a checkpoint streamed from the leader, to be written durably by a follower's caller
 * at {@code offset} of the checkpoint being received. When {@code last} is set, the same
 * {@link Ready} names the checkpoint in {@link Ready#installCheckpoint}: the caller then makes it
 * its applied state, replacing the state it had.
 *
 * @param index  the checkpoint's applied prefix (its identity)
 * @param offset byte offset of {@code data}
 * @param data   the bytes
 * @param last   whether this piece ends the checkpoint
 */
public record CheckpointPiece(long index, long offset, byte[] data, boolean last) {
}
