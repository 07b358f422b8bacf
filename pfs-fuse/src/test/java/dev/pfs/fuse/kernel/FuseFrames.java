package dev.pfs.fuse.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Requests and replies without a kernel: builds a request as /dev/fuse would deliver it and
 * collects the replies a handler sends, for codec and operation tests.
 */
public final class FuseFrames {
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment in = arena.allocate(1 << 20, 8);
    private final FuseRequest request = new FuseRequest(in);
    private final List<byte[]> sent = new ArrayList<>();
    private final FuseReply reply = new FuseReply(arena.allocate(1 << 20, 8), s -> sent.add(s.toArray(ValueLayout.JAVA_BYTE)));
    private int length;
    private long unique;

    /** Starts a request: header fields, then the body is appended with the put methods. */
    public FuseFrames start(int opcode, long nodeId, int uid, int gid) {
        in.fill((byte) 0);
        length = FuseRequestDescriptor.BODY;
        in.set(ValueLayout.JAVA_INT_UNALIGNED, FuseRequestDescriptor.OPCODE, opcode);
        in.set(ValueLayout.JAVA_LONG_UNALIGNED, FuseRequestDescriptor.UNIQUE, ++unique);
        in.set(ValueLayout.JAVA_LONG_UNALIGNED, FuseRequestDescriptor.NODEID, nodeId);
        in.set(ValueLayout.JAVA_INT_UNALIGNED, FuseRequestDescriptor.UID, uid);
        in.set(ValueLayout.JAVA_INT_UNALIGNED, FuseRequestDescriptor.GID, gid);
        return this;
    }

    /** Sets the header's pid (the caller's thread id) of the request being built. */
    public FuseFrames pid(int pid) {
        in.set(ValueLayout.JAVA_INT_UNALIGNED, FuseRequestDescriptor.PID, pid);
        return this;
    }

    /** Appends a u32 to the body. */
    public FuseFrames putInt(int v) {
        in.set(ValueLayout.JAVA_INT_UNALIGNED, length, v);
        length += 4;
        return this;
    }

    /** Appends a u64 to the body. */
    public FuseFrames putLong(long v) {
        in.set(ValueLayout.JAVA_LONG_UNALIGNED, length, v);
        length += 8;
        return this;
    }

    /** Appends a string, NUL-terminated unless {@code terminate} is false. */
    public FuseFrames putString(String s, boolean terminate) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(b, 0, in, ValueLayout.JAVA_BYTE, length, b.length);
        length += b.length + (terminate ? 1 : 0);
        return this;
    }

    /** Appends raw bytes. */
    public FuseFrames putBytes(byte[] b) {
        MemorySegment.copy(b, 0, in, ValueLayout.JAVA_BYTE, length, b.length);
        length += b.length;
        return this;
    }

    /** @return the request as read, or fails with why it is malformed */
    public FuseRequest request() {
        in.set(ValueLayout.JAVA_INT_UNALIGNED, FuseRequestDescriptor.LEN, length);
        String bad = request.wrap(length);
        if (bad != null) {
            throw new IllegalStateException(bad);
        }
        reply.start(unique);
        return request;
    }

    /** @return the reply builder for the current request */
    public FuseReply reply() {
        return reply;
    }

    /** @return the replies sent so far, each as written to the device */
    public List<byte[]> sent() {
        return sent;
    }

    /** @return the error field of reply {@code i} (0 or -errno) */
    public int error(int i) {
        return java.nio.ByteBuffer.wrap(sent.get(i)).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getInt(FuseReplyDescriptor.ERROR);
    }

    /** @return the u64 at {@code offset} of reply {@code i}'s body */
    public long replyLong(int i, int offset) {
        return java.nio.ByteBuffer.wrap(sent.get(i)).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getLong(FuseReplyDescriptor.BODY + offset);
    }

    /** @return the u32 at {@code offset} of reply {@code i}'s body */
    public int replyInt(int i, int offset) {
        return java.nio.ByteBuffer.wrap(sent.get(i)).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getInt(FuseReplyDescriptor.BODY + offset);
    }

    /** @return whether {@code read} bytes with header length {@code len} pass the request check */
    public static String check(int read, int len) {
        return FuseRequestDescriptor.check(read, len);
    }
}
