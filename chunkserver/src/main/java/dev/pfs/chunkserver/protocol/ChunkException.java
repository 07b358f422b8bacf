package dev.pfs.chunkserver.protocol;

import java.io.IOException;

/** A chunk request that failed with a {@link ChunkStatus}. */
public final class ChunkException extends IOException {
    private static final long serialVersionUID = 1L;

    private final ChunkStatus status;
    private final long generation;

    /** @param status why it failed, never {@link ChunkStatus#OK} */
    public ChunkException(ChunkStatus status, String message) {
        this(status, message, 0L);
    }

    /**
     * @param status     why it failed, never {@link ChunkStatus#OK}
     * @param generation for {@link ChunkStatus#STALE_TRY}, the group's try generation; for
     *                   {@link ChunkStatus#NOT_LEADER}, the leader's server id (0: none known).
     *                   It travels in the reply frame's generation field.
     */
    public ChunkException(ChunkStatus status, String message, long generation) {
        super(message);
        this.status = status;
        this.generation = generation;
    }

    /** @param status why it failed, never {@link ChunkStatus#OK} */
    public ChunkException(ChunkStatus status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.generation = 0;
    }

    /** @return why it failed */
    public ChunkStatus status() {
        return status;
    }

    /**
     * @return what the reply frame's generation field carries: for {@link ChunkStatus#STALE_TRY}
     *     the group's try generation, for {@link ChunkStatus#NOT_LEADER} the leader's id
     *     ({@link #leader()}); else 0
     */
    public long generation() {
        return generation;
    }

    /**
     * A refusal by a server that does not lead the chunk's group.
     *
     * @param leader the server id of the leader it knows, 0 for none
     */
    public static ChunkException notLeader(String message, int leader) {
        return new ChunkException(ChunkStatus.NOT_LEADER, message, leader);
    }

    /** @return for {@link ChunkStatus#NOT_LEADER}, the server id of the leader the refusing server knows; else 0 */
    public int leader() {
        return status == ChunkStatus.NOT_LEADER && generation > 0 && generation <= Integer.MAX_VALUE
                ? (int) generation : 0;
    }
}
