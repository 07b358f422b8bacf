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
     * @param generation for {@link ChunkStatus#STALE_TRY}, the group's try generation
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

    /** @return for {@link ChunkStatus#STALE_TRY}, the group's try generation; else 0 */
    public long generation() {
        return generation;
    }
}
