package dev.pfs.chunkserver.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One change to one chunk, as logged: see {@link WalRecordDescriptor}.
 *
 * @param type    what changes
 * @param group   the replication group (the chunk's)
 * @param term    the replication term (0 on a single node)
 * @param index   the record's index in its group
 * @param chunkId the chunk
 * @param epoch   the writer's epoch
 * @param offset  byte offset in the chunk
 * @param length  bytes of the range (WRITE: the payload length; CREATE: the chunk size)
 * @param payload the data of a WRITE (position..limit), else an empty buffer
 */
public record WalRecord(WalRecordType type, long group, long term, long index, long chunkId, long epoch,
                        long offset, long length, ByteBuffer payload) {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    /** @return a record without payload, not yet given a slot */
    public static WalRecord of(WalRecordType type, long chunkId, long epoch, long offset, long length) {
        return new WalRecord(type, chunkId, 0, 0, chunkId, epoch, offset, length, EMPTY);
    }

    /** @return a WRITE record of {@code payload}, not yet given a slot */
    public static WalRecord write(long chunkId, long epoch, long offset, ByteBuffer payload) {
        return new WalRecord(WalRecordType.WRITE, chunkId, 0, 0, chunkId, epoch, offset, payload.remaining(), payload);
    }

    /**
     * @return a REMAP record moving the chunk range {@code [offset, offset + length)} to the data
     *         blocks in {@code blocks} (one little-endian u32 each), not yet given a slot
     */
    public static WalRecord remap(long chunkId, long epoch, long offset, long length, ByteBuffer blocks) {
        return new WalRecord(WalRecordType.REMAP, chunkId, 0, 0, chunkId, epoch, offset, length, blocks);
    }

    /** @return this record in slot {@code (newTerm, newIndex)} of its group */
    public WalRecord withSlot(long newTerm, long newIndex) {
        return new WalRecord(type, group, newTerm, newIndex, chunkId, epoch, offset, length, payload);
    }

    /** @return the encoded length */
    public int encodedLength() {
        return WalRecordDescriptor.recordLength(payload.remaining());
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
        b.putInt(start + WalRecordDescriptor.PAYLOAD_LENGTH_OFFSET, payload.remaining());
        b.putLong(start + WalRecordDescriptor.GROUP_OFFSET, group);
        b.putLong(start + WalRecordDescriptor.TERM_OFFSET, term);
        b.putLong(start + WalRecordDescriptor.INDEX_OFFSET, index);
        b.putLong(start + WalRecordDescriptor.CHUNK_ID_OFFSET, chunkId);
        b.putLong(start + WalRecordDescriptor.EPOCH_OFFSET, epoch);
        b.putLong(start + WalRecordDescriptor.OFFSET_OFFSET, offset);
        b.putLong(start + WalRecordDescriptor.LENGTH_OFFSET, length);
        b.putInt(start + WalRecordDescriptor.CRC_OFFSET + 4, 0);
        int p = start + WalRecordDescriptor.HEADER_LENGTH;
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
        int payloadLength = b.getInt(start + WalRecordDescriptor.PAYLOAD_LENGTH_OFFSET);
        int p = start + WalRecordDescriptor.HEADER_LENGTH;
        ByteBuffer payload = buf.duplicate().limit(p + payloadLength).position(p).slice();
        return new WalRecord(WalRecordType.of(b.get(start + WalRecordDescriptor.TYPE_OFFSET)),
                b.getLong(start + WalRecordDescriptor.GROUP_OFFSET),
                b.getLong(start + WalRecordDescriptor.TERM_OFFSET),
                b.getLong(start + WalRecordDescriptor.INDEX_OFFSET),
                b.getLong(start + WalRecordDescriptor.CHUNK_ID_OFFSET),
                b.getLong(start + WalRecordDescriptor.EPOCH_OFFSET),
                b.getLong(start + WalRecordDescriptor.OFFSET_OFFSET),
                b.getLong(start + WalRecordDescriptor.LENGTH_OFFSET),
                payload);
    }
}
