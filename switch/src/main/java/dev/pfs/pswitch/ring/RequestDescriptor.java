package dev.pfs.pswitch.ring;

import org.agrona.BitUtil;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;

/**
 * One request in the request ring: the body of an Agrona ring record of type
 * {@link #MSG_TYPE_ID}. Little-endian.
 *
 * <pre>
 *  0 request id (i64)      chosen by the client, echoed in the response
 *  8 volume offset (i64)   RESIZE: the new size
 * 16 length (i64)          bytes; READ/WRITE: also the arena bytes used
 * 24 arena offset (i64)    READ/WRITE: where the payload is (or goes) in the arena
 * 32 epoch (i64)           the writer's epoch (WRITE, WRITE_ZEROES)
 * 40 op (i32)              {@link SwitchOp}
 * 44 flags (i32)           bit 0: FUA; other bits must be zero
 * 48
 * </pre>
 */
public final class RequestDescriptor {
    /** Agrona message type of a request record. */
    public static final int MSG_TYPE_ID = 1;
    /** Body length. */
    public static final int LENGTH = 48;
    /** Bytes one request takes in the ring, with Agrona's record header and alignment. */
    public static final int RECORD_LENGTH = BitUtil.align(LENGTH + RecordDescriptor.HEADER_LENGTH,
            RecordDescriptor.ALIGNMENT);

    public static final int REQUEST_ID_OFFSET = 0;
    public static final int VOLUME_OFFSET_OFFSET = 8;
    public static final int LENGTH_OFFSET = 16;
    public static final int ARENA_OFFSET_OFFSET = 24;
    public static final int EPOCH_OFFSET = 32;
    public static final int OP_OFFSET = 40;
    public static final int FLAGS_OFFSET = 44;

    /** Force unit access: the write is durable when it completes. */
    public static final int FLAG_FUA = 1;
    /** Every flag bit this version knows. */
    public static final int KNOWN_FLAGS = FLAG_FUA;

    private RequestDescriptor() {
    }
}
