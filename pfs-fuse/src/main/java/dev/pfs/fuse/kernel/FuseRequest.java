package dev.pfs.fuse.kernel;

import static dev.pfs.fuse.kernel.FuseRequestDescriptor.BODY;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A flyweight over one request in a worker's read buffer: the header fields and typed access
 * to the body at offsets from {@link FuseRequestDescriptor}. Valid until the worker reads the
 * next request.
 */
public final class FuseRequest {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private final MemorySegment buffer;
    private int length;

    FuseRequest(MemorySegment buffer) {
        this.buffer = buffer;
    }

    /** Points this flyweight at a request of {@code length} bytes; returns why it is invalid, or null. */
    String wrap(int length) {
        this.length = length;
        return FuseRequestDescriptor.check(length, length >= BODY ? buffer.get(INT, FuseRequestDescriptor.LEN) : -1);
    }

    /** @return the opcode */
    public int opcode() {
        return buffer.get(INT, FuseRequestDescriptor.OPCODE);
    }

    /** @return the request's id, echoed in the reply */
    public long unique() {
        return buffer.get(LONG, FuseRequestDescriptor.UNIQUE);
    }

    /** @return the node the request is about */
    public long nodeId() {
        return buffer.get(LONG, FuseRequestDescriptor.NODEID);
    }

    /** @return the caller's effective uid */
    public int uid() {
        return buffer.get(INT, FuseRequestDescriptor.UID);
    }

    /** @return the caller's effective gid */
    public int gid() {
        return buffer.get(INT, FuseRequestDescriptor.GID);
    }

    /** @return the caller's pid */
    public int pid() {
        return buffer.get(INT, FuseRequestDescriptor.PID);
    }

    /** @return the u32 at {@code offset} of the body */
    public int bodyInt(int offset) {
        return buffer.get(INT, BODY + offset);
    }

    /** @return the u64 at {@code offset} of the body */
    public long bodyLong(int offset) {
        return buffer.get(LONG, BODY + offset);
    }

    /** @return the NUL-terminated UTF-8 string at {@code offset} of the body */
    public String bodyString(int offset) {
        int start = BODY + offset;
        int end = nul(start);
        byte[] b = new byte[end - start];
        MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, start, b, 0, b.length);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** @return the offset (in the body) just past the NUL-terminated string at {@code offset} */
    public int afterString(int offset) {
        return nul(BODY + offset) + 1 - BODY;
    }

    /** @return {@code size} bytes of the body at {@code offset}, as a buffer over the request (no copy) */
    public ByteBuffer bodyBytes(int offset, int size) {
        if (BODY + offset + (long) size > length) {
            throw new IllegalArgumentException("request body of " + (length - BODY) + " bytes has no "
                    + size + " bytes at " + offset);
        }
        return buffer.asSlice(BODY + offset, size).asByteBuffer();
    }

    private int nul(int start) {
        for (int i = start; i < length; i++) {
            if (buffer.get(ValueLayout.JAVA_BYTE, i) == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("unterminated name in request of opcode " + opcode());
    }
}
