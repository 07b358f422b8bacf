package dev.pfs.pswitch.ring;

import org.agrona.MutableDirectBuffer;

/** Reads and writes a {@link RequestDescriptor} in place; one instance is re-wrapped per record. */
public final class RequestFlyweight {
    private MutableDirectBuffer buffer;
    private int offset;

    /** Points this flyweight at the request body starting at {@code offset}. */
    public RequestFlyweight wrap(MutableDirectBuffer buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public long requestId() {
        return buffer.getLong(offset + RequestDescriptor.REQUEST_ID_OFFSET);
    }

    public RequestFlyweight requestId(long value) {
        buffer.putLong(offset + RequestDescriptor.REQUEST_ID_OFFSET, value);
        return this;
    }

    public long volumeOffset() {
        return buffer.getLong(offset + RequestDescriptor.VOLUME_OFFSET_OFFSET);
    }

    public RequestFlyweight volumeOffset(long value) {
        buffer.putLong(offset + RequestDescriptor.VOLUME_OFFSET_OFFSET, value);
        return this;
    }

    public long length() {
        return buffer.getLong(offset + RequestDescriptor.LENGTH_OFFSET);
    }

    public RequestFlyweight length(long value) {
        buffer.putLong(offset + RequestDescriptor.LENGTH_OFFSET, value);
        return this;
    }

    public long arenaOffset() {
        return buffer.getLong(offset + RequestDescriptor.ARENA_OFFSET_OFFSET);
    }

    public RequestFlyweight arenaOffset(long value) {
        buffer.putLong(offset + RequestDescriptor.ARENA_OFFSET_OFFSET, value);
        return this;
    }

    public long epoch() {
        return buffer.getLong(offset + RequestDescriptor.EPOCH_OFFSET);
    }

    public RequestFlyweight epoch(long value) {
        buffer.putLong(offset + RequestDescriptor.EPOCH_OFFSET, value);
        return this;
    }

    public int op() {
        return buffer.getInt(offset + RequestDescriptor.OP_OFFSET);
    }

    public RequestFlyweight op(int value) {
        buffer.putInt(offset + RequestDescriptor.OP_OFFSET, value);
        return this;
    }

    public int flags() {
        return buffer.getInt(offset + RequestDescriptor.FLAGS_OFFSET);
    }

    public RequestFlyweight flags(int value) {
        buffer.putInt(offset + RequestDescriptor.FLAGS_OFFSET, value);
        return this;
    }

    /** @return whether the FUA flag is set */
    public boolean fua() {
        return (flags() & RequestDescriptor.FLAG_FUA) != 0;
    }
}
