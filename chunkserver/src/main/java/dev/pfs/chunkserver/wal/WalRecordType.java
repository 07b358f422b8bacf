package dev.pfs.chunkserver.wal;

/** What a WAL record changes. */
public enum WalRecordType {
    /** Data written into a chunk range; the replica applying it allocates the blocks. */
    WRITE(1),
    /** A chunk range that reads as zeros from now on; whole blocks are freed. */
    ZERO(2),
    /** A chunk created with a size (the record's length). */
    CREATE(3),
    /** A chunk deleted with all its blocks. */
    DELETE(4),
    /** The chunk's volume fenced at the record's epoch. */
    FENCE(5),
    /** Replication log: one ParallelRaft entry of a group (payload: the encoded entry). */
    RAFT_ENTRY(6),
    /** Replication log: a group's hard state (payload: the encoded hard state). */
    RAFT_HARD_STATE(7),
    /** Replication log: a group's entries above the record's index are dropped. */
    RAFT_TRUNCATE(8),
    /** Replication log: a group created (length: chunk size; payload: its members). */
    GROUP(9),
    /**
     * Replication log: a group's writer epoch (the record's epoch), logged where the entries that
     * raised it may be gone: a rewrite of the log and an installed checkpoint.
     */
    GROUP_EPOCH(10),
    /**
     * A chunk range of whole blocks now maps to fresh data blocks written in full, FUA, beside
     * the record (redirect-on-write; payload per chunk block: the data block and the CRC32C of
     * its 64 KB, little-endian u32 each). Replay applies it if a FINISHED confirms it or its
     * blocks hold that data.
     */
    REMAP(11),
    /**
     * No data block at or above the record's length has been written since the store was
     * formatted: logged before any write reaches a block past the limit logged so far.
     */
    WRITTEN_LIMIT(12),
    /**
     * Every record up to the index in the record's length was finished: durable, the data of
     * redirects included. Logged before a change writes into a REMAP's blocks.
     */
    FINISHED(13);

    private final byte code;

    WalRecordType(int code) {
        this.code = (byte) code;
    }

    /** @return the on-disk code */
    public byte code() {
        return code;
    }

    /** @return the type with this code, or null */
    public static WalRecordType of(byte code) {
        for (WalRecordType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
