package dev.pfs.chunkserver.protocol;

/** The operations of the data path. */
public enum ChunkOp {
    /** Read {@code length} bytes at {@code offset}. */
    READ(1),
    /** Write the payload at {@code offset}; durable when acknowledged. */
    WRITE(2),
    /** Barrier: every write acknowledged before it is durable. */
    FLUSH(3),
    /** The range is no longer needed; reads as zeros afterwards. */
    DISCARD(4),
    /** The range reads as zeros. */
    WRITE_ZEROES(5),
    /**
     * Create a chunk of {@code length} bytes (0: the server's default chunk size), a changing
     * op fenced like the others.
     */
    CREATE(6),
    /** Delete a chunk. */
    DELETE(7),
    /** Report a chunk's size, epoch and allocation. */
    STAT(8),
    /**
     * Raise the writer epoch of the chunk's whole volume to {@code epoch}: a new holder fences
     * every server of its volume this way before its first write.
     */
    FENCE(9),
    /**
     * Replication: make this server a replica of the chunk's group. The payload names the
     * members as {@code id=host:port} lines; {@code length} is the chunk size. Idempotent.
     */
    GROUP_CREATE(10),
    /** Replication: a write through the chunk's group leader; acknowledged once a majority holds it durably. */
    REPLICATED_WRITE(11),
    /** Replication: a read at the chunk's group leader, ordered after every write committed before it. */
    REPLICATED_READ(12),
    /** Replication: ParallelRaft messages of one group between two servers (no reply). */
    RAFT(13),
    /** Replication: the first frame of a server-to-server link; {@code epoch} carries the sender's server id. */
    HELLO(14),
    /**
     * Replication: raise the writer epoch of the chunk's group to {@code epoch} through its log;
     * from then on its leaders refuse writes with an older epoch. A new holder fences every chunk
     * of its volume this way before its first write.
     */
    REPLICATED_FENCE(15),
    /**
     * Replication: change the chunk's group by one member, at its leader. The payload names the
     * members after the change as {@code id=host:port} lines (one added or one removed); the reply
     * comes once the configuration entry is committed. A server being added must first hold the
     * group as a joining member ({@link #GROUP_CREATE} with a {@code join} line).
     */
    GROUP_MEMBERS(16);

    private final int code;

    ChunkOp(int code) {
        this.code = code;
    }

    /** @return the wire code */
    public int code() {
        return code;
    }

    /** @return the op with this wire code, or null */
    public static ChunkOp of(int code) {
        for (ChunkOp op : values()) {
            if (op.code == code) {
                return op;
            }
        }
        return null;
    }
}
