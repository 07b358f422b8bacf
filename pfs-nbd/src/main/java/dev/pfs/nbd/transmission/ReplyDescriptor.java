package dev.pfs.nbd.transmission;

/**
 * Replies of the transmission phase: the simple reply, the structured reply chunk and its
 * payloads, and the NBD error numbers.
 *
 * <pre>
 *  simple:      0           4           8                   16
 *               +-----------+-----------+-------------------+--------------------+
 *               | magic     | error     | cookie            | READ data, if any  |
 *               +-----------+-----------+-------------------+--------------------+
 *  structured:  0           4     6     8                   16          20
 *               +-----------+-----+-----+-------------------+-----------+----------+
 *               | magic     |flags|type | cookie            | length    | payload  |
 *               +-----------+-----+-----+-------------------+-----------+----------+
 *  OFFSET_DATA   offset (u64), data
 *  OFFSET_HOLE   offset (u64), hole length (u32)
 *  BLOCK_STATUS  context id (u32), then per extent: length (u32), status flags (u32)
 *  ERROR         error (u32), message length (u16), message
 * </pre>
 */
public final class ReplyDescriptor {
    public static final int SIMPLE_MAGIC = 0x67446698;
    public static final int SIMPLE_LENGTH = 16;
    public static final int STRUCTURED_MAGIC = 0x668e33ef;
    public static final int STRUCTURED_LENGTH = 20;

    /** Structured chunk flag: the last chunk of its reply. */
    public static final int FLAG_DONE = 1;
    public static final int TYPE_NONE = 0;
    public static final int TYPE_OFFSET_DATA = 1;
    public static final int TYPE_OFFSET_HOLE = 2;
    public static final int TYPE_BLOCK_STATUS = 5;
    public static final int TYPE_ERROR = (1 << 15) | 1;

    /** base:allocation status: the extent is not allocated. */
    public static final int STATE_HOLE = 1;
    /** base:allocation status: the extent reads as zeros. */
    public static final int STATE_ZERO = 2;

    public static final int EPERM = 1;
    public static final int EIO = 5;
    public static final int ENOMEM = 12;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int EOVERFLOW = 75;
    public static final int ENOTSUP = 95;
    public static final int ESHUTDOWN = 108;

    private ReplyDescriptor() {
    }
}
