package dev.pfs.fuse.kernel;

import static dev.pfs.fuse.kernel.FuseReplyDescriptor.BODY;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Builds one reply in a worker's write buffer: the caller fills the body through the typed
 * setters (offsets from {@link FuseReplyDescriptor}), then calls one of the send methods. A
 * reply is sent exactly once per request that expects one; {@link #sent()} tells whether it was.
 */
public final class FuseReply {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** Sends a finished reply to the kernel. */
    interface Sender {
        void send(MemorySegment reply);
    }

    private final MemorySegment buffer;
    private final Sender sender;
    private long unique;
    private boolean sent;

    FuseReply(MemorySegment buffer, Sender sender) {
        this.buffer = buffer;
        this.sender = sender;
    }

    void start(long requestUnique) {
        this.unique = requestUnique;
        this.sent = false;
    }

    /** @return whether a reply was sent for the current request */
    public boolean sent() {
        return sent;
    }

    /** @return the largest body a reply can carry */
    public int capacity() {
        return (int) buffer.byteSize() - BODY;
    }

    /** Sets the u32 at {@code offset} of the body. */
    public FuseReply putInt(int offset, int value) {
        buffer.set(INT, BODY + offset, value);
        return this;
    }

    /** Sets the u64 at {@code offset} of the body. */
    public FuseReply putLong(int offset, long value) {
        buffer.set(LONG, BODY + offset, value);
        return this;
    }

    /** Sets the u16 at {@code offset} of the body. */
    public FuseReply putShort(int offset, int value) {
        buffer.set(SHORT, BODY + offset, (short) value);
        return this;
    }

    /** Zeroes {@code length} bytes of the body from {@code offset}. */
    public FuseReply zero(int offset, int length) {
        buffer.asSlice(BODY + offset, length).fill((byte) 0);
        return this;
    }

    /** Copies {@code bytes} into the body at {@code offset}. */
    public FuseReply putBytes(int offset, byte[] bytes) {
        MemorySegment.copy(bytes, 0, buffer, ValueLayout.JAVA_BYTE, BODY + offset, bytes.length);
        return this;
    }

    /** Writes a UTF-8 name and its NUL at {@code offset}; returns its length without the NUL. */
    public int putName(int offset, String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        putBytes(offset, b);
        buffer.set(ValueLayout.JAVA_BYTE, BODY + offset + b.length, (byte) 0);
        return b.length;
    }

    /** @return a buffer over the body from {@code offset}, {@code length} bytes, for data (no copy) */
    public ByteBuffer body(int offset, int length) {
        return buffer.asSlice(BODY + offset, length).asByteBuffer();
    }

    /** Sends the first {@code bodyLength} bytes of the body as a successful reply. */
    public void send(int bodyLength) {
        finish(0, unique, bodyLength);
    }

    /** Sends an error reply ({@code errno} positive, as Linux numbers it). */
    public void error(int errno) {
        finish(-errno, unique, 0);
    }

    /** Sends an unsolicited notification with code {@code code} and the body built so far. */
    void notify(int code, int bodyLength) {
        finish(code, 0, bodyLength);
    }

    private void finish(int error, long id, int bodyLength) {
        if (sent) {
            throw new IllegalStateException("a second reply to request " + id);
        }
        int len = BODY + bodyLength;
        buffer.set(INT, FuseReplyDescriptor.LEN, len);
        buffer.set(INT, FuseReplyDescriptor.ERROR, error);
        buffer.set(LONG, FuseReplyDescriptor.UNIQUE, id);
        sent = true;
        sender.send(buffer.asSlice(0, len));
    }
}
