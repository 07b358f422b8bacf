package dev.pfs.pswitch.ring;

import org.agrona.MutableDirectBuffer;

/** Reads and writes a {@link ResponseDescriptor} in place; one instance is re-wrapped per record. */
public final class ResponseFlyweight {
    private MutableDirectBuffer buffer;
    private int offset;

    /** Points this flyweight at the response body starting at {@code offset}. */
    public ResponseFlyweight wrap(MutableDirectBuffer buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public long requestId() {
        return buffer.getLong(offset + ResponseDescriptor.REQUEST_ID_OFFSET);
    }

    public ResponseFlyweight requestId(long value) {
        buffer.putLong(offset + ResponseDescriptor.REQUEST_ID_OFFSET, value);
        return this;
    }

    public long value() {
        return buffer.getLong(offset + ResponseDescriptor.VALUE_OFFSET);
    }

    public ResponseFlyweight value(long v) {
        buffer.putLong(offset + ResponseDescriptor.VALUE_OFFSET, v);
        return this;
    }

    public int status() {
        return buffer.getInt(offset + ResponseDescriptor.STATUS_OFFSET);
    }

    public ResponseFlyweight status(int value) {
        buffer.putInt(offset + ResponseDescriptor.STATUS_OFFSET, value);
        return this;
    }
}
