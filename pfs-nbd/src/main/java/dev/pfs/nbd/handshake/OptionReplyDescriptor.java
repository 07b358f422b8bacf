package dev.pfs.nbd.handshake;

/**
 * An option reply of the handshake, its reply types and the NBD_REP_INFO payloads.
 *
 * <pre>
 *  0                   8           12          16          20
 *  +-------------------+-----------+-----------+-----------+---------------------+
 *  | reply magic       | option    | type      | length    | data (length bytes) |
 *  +-------------------+-----------+-----------+-----------+---------------------+
 *
 *  NBD_REP_SERVER data:        name length (u32), name, description
 *  NBD_REP_META_CONTEXT data:  context id (u32), context name
 *  NBD_REP_INFO data:          info type (u16), then
 *     EXPORT       size (u64), transmission flags (u16)
 *     NAME         name
 *     DESCRIPTION  description
 *     BLOCK_SIZE   minimum (u32), preferred (u32), maximum (u32)
 * </pre>
 *
 * The reply to EXPORT_NAME is not an option reply: size (u64), transmission flags (u16),
 * then 124 zero bytes unless the client set NO_ZEROES.
 */
public final class OptionReplyDescriptor {
    public static final long MAGIC = 0x3e889045565a9L;
    public static final int HEADER_LENGTH = 20;

    public static final int ACK = 1;
    public static final int SERVER = 2;
    public static final int INFO = 3;
    public static final int META_CONTEXT = 4;
    private static final int ERROR = 1 << 31;
    public static final int ERR_UNSUP = ERROR | 1;
    public static final int ERR_POLICY = ERROR | 2;
    public static final int ERR_INVALID = ERROR | 3;
    public static final int ERR_TLS_REQD = ERROR | 5;
    public static final int ERR_UNKNOWN = ERROR | 6;
    public static final int ERR_TOO_BIG = ERROR | 9;

    public static final int INFO_EXPORT = 0;
    public static final int INFO_NAME = 1;
    public static final int INFO_DESCRIPTION = 2;
    public static final int INFO_BLOCK_SIZE = 3;

    /** Bytes of zeros after the EXPORT_NAME reply for clients without NO_ZEROES. */
    public static final int EXPORT_NAME_ZEROES = 124;

    private OptionReplyDescriptor() {
    }

    /** @return whether {@code type} is an error reply */
    public static boolean isError(int type) {
        return (type & ERROR) != 0;
    }
}
