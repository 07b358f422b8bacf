package dev.pfs.chunkserver.protocol;

/** The outcome of a chunk request; the same codes travel on the wire. */
public enum ChunkStatus {
    /** Done. */
    OK(0),
    /** The request could not be parsed. */
    MALFORMED(1),
    /** The writer's epoch is older than one the chunk has seen: the writer is fenced off. */
    STALE_EPOCH(2),
    /** No free blocks (or chunk slots) are left. */
    NO_SPACE(3),
    /** The range is not inside the chunk. */
    OUT_OF_RANGE(4),
    /** An offset or length is not a multiple of 512 B. */
    MISALIGNED(5),
    /** No chunk with this id exists. */
    UNKNOWN_CHUNK(6),
    /** The disk failed; the store refuses changes until it restarts and recovers. */
    IO_ERROR(7),
    /** A chunk with this id exists already. */
    EXISTS(8),
    /** The store is shutting down. */
    CLOSED(9),
    /** No reply came within the client's deadline (set by the client, never sent). */
    TIMED_OUT(10),
    /**
     * Replication: this server does not lead the chunk's group; the payload is the leader's
     * {@code host:port}, empty when it knows none.
     */
    NOT_LEADER(11),
    /**
     * Replication: the write try's generation is older than one the group logged from a later
     * try or write, so it may have been overtaken and is not proposed; the reply carries the
     * group's generation, and the client tries again at one at least that high.
     */
    STALE_TRY(12);

    private final int code;

    ChunkStatus(int code) {
        this.code = code;
    }

    /** @return the wire code */
    public int code() {
        return code;
    }

    /** @return the status with this wire code, or null */
    public static ChunkStatus of(int code) {
        for (ChunkStatus s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return null;
    }
}
