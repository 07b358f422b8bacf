package dev.pfs.pswitch.ring;

import org.agrona.BitUtil;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;

/**
 * One completion in the response ring: the body of an Agrona ring record of type
 * {@link #MSG_TYPE_ID}. Little-endian.
 *
 * <pre>
 *  0 request id (i64)   the request's
 *  8 value (i64)        RESIZE: the volume's size afterwards; otherwise 0
 * 16 status (i32)       {@link SwitchStatus}
 * 20 reserved (i32)
 * 24
 * </pre>
 */
public final class ResponseDescriptor {
    /** Agrona message type of a response record. */
    public static final int MSG_TYPE_ID = 2;
    /** Body length. */
    public static final int LENGTH = 24;
    /** Bytes one response takes in the ring, with Agrona's record header and alignment. */
    public static final int RECORD_LENGTH = BitUtil.align(LENGTH + RecordDescriptor.HEADER_LENGTH,
            RecordDescriptor.ALIGNMENT);

    public static final int REQUEST_ID_OFFSET = 0;
    public static final int VALUE_OFFSET = 8;
    public static final int STATUS_OFFSET = 16;

    private ResponseDescriptor() {
    }
}
