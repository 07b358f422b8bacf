package dev.pfs.chunkserver.protocol;

import java.io.IOException;

/** A chunk request that failed with a {@link ChunkStatus}. */
public final class ChunkException extends IOException {
    private static final long serialVersionUID = 1L;

    private final ChunkStatus status;

    /** @param status why it failed, never {@link ChunkStatus#OK} */
    public ChunkException(ChunkStatus status, String message) {
        super(message);
        this.status = status;
    }

    /** @param status why it failed, never {@link ChunkStatus#OK} */
    public ChunkException(ChunkStatus status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** @return why it failed */
    public ChunkStatus status() {
        return status;
    }
}
