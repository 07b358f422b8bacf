package dev.pfs.chunkserver.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One change to one chunk, as logged: see {@link WalRecordDescriptor}.
 *
 * @param type    what changes
 * @param index   the replication index (a single node: its own sequence number)
 * @param term    the replication term (0 on a single node)
 * @param chunkId the chunk
 * @param epoch   the writer's epoch
 * @param offset  byte offset in the chunk
 * @param length  bytes of the range (WRITE: the payload length; CREATE: the chunk size)
 * @param allocs  pairs (chunk block, data block) of blocks this change allocated
 * @param payload the data of a WRITE (position..limit), else an empty buffer
 */
public record WalRecord(WalRecordType type, long index, long term, long chunkId, long epoch,
                        long offset, long length, int[] allocs, ByteBuffer payload) {
    private static final int[] NO_ALLOCS = new int[0];
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    /** @return a record without allocations or payload */
    public static WalRecord of(WalRecordType type, long chunkId, long epoch, long offset, long length) {
        return new WalRecord(type, 0, 0, chunkId, epoch, offset, length, NO_ALLOCS, EMPTY);
    }

    /** @return this record stamped with a replication slot */
    public WalRecord withSlot(long newIndex, long newTerm) {
        return new WalRecord(type, newIndex, newTerm, chunkId, epoch, offset, length, allocs, payload);
    }

    /** @return the encoded length */
    public int encodedLength() {
        return WalRecordDescriptor.recordLength(allocs.length / 2, payload.remaining());
    }

    /**
     * Encodes this record at {@code dst}'s position and advances it.
     *
     * @return the offset in {@code dst} where the payload starts
     */
    public int encode(ByteBuffer dst) {
        ByteBuffer b = dst.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int start = dst.position();
        int total = encodedLength();
        b.put(start + WalRecordDescriptor.TYPE_OFFSET, type.code());
        b.put(start + WalRecordDescriptor.FLAGS_OFFSET, (byte) 0);
        b.putShort(start + 2, (short) 0);
        b.putInt(start + WalRecordDescriptor.ALLOC_COUNT_OFFSET, allocs.length / 2);
        b.putLong(start + WalRecordDescriptor.INDEX_OFFSET, index);
        b.putLong(start + WalRecordDescriptor.TERM_OFFSET, term);
        b.putLong(start + WalRecordDescriptor.CHUNK_ID_OFFSET, chunkId);
        b.putLong(start + WalRecordDescriptor.EPOCH_OFFSET, epoch);
        b.putLong(start + WalRecordDescriptor.OFFSET_OFFSET, offset);
        b.putLong(start + WalRecordDescriptor.LENGTH_OFFSET, length);
        b.putInt(start + WalRecordDescriptor.PAYLOAD_LENGTH_OFFSET, payload.remaining());
        int p = start + WalRecordDescriptor.HEADER_LENGTH;
        for (int a : allocs) {
            b.putInt(p, a);
            p += 4;
        }
        b.put(p, payload, payload.position(), payload.remaining());
        b.putInt(start + WalRecordDescriptor.CRC_OFFSET, WalRecordDescriptor.computeCrc(b, start, total));
        dst.position(start + total);
        return p;
    }

    /**
     * Decodes the record at {@code start}, already checked by
     * {@link WalRecordDescriptor#checkRecord}; the payload is a view into {@code buf}.
     */
    public static WalRecord decode(ByteBuffer buf, int start) {
        ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int allocCount = b.getInt(start + WalRecordDescriptor.ALLOC_COUNT_OFFSET);
        int payloadLength = b.getInt(start + WalRecordDescriptor.PAYLOAD_LENGTH_OFFSET);
        int[] allocs = new int[allocCount * 2];
        int p = start + WalRecordDescriptor.HEADER_LENGTH;
        for (int i = 0; i < allocs.length; i++) {
            allocs[i] = b.getInt(p);
            p += 4;
        }
        ByteBuffer payload = buf.duplicate().limit(p + payloadLength).position(p).slice();
        return new WalRecord(WalRecordType.of(b.get(start + WalRecordDescriptor.TYPE_OFFSET)),
                b.getLong(start + WalRecordDescriptor.INDEX_OFFSET),
                b.getLong(start + WalRecordDescriptor.TERM_OFFSET),
                b.getLong(start + WalRecordDescriptor.CHUNK_ID_OFFSET),
                b.getLong(start + WalRecordDescriptor.EPOCH_OFFSET),
                b.getLong(start + WalRecordDescriptor.OFFSET_OFFSET),
                b.getLong(start + WalRecordDescriptor.LENGTH_OFFSET),
                allocs, payload);
    }
}
