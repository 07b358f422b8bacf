package dev.pfs.nbd.handshake;

/**
 * An option request of the handshake, and the option codes.
 *
 * <pre>
 *  0                   8           12          16
 *  +-------------------+-----------+-----------+---------------------+
 *  | "IHAVEOPT"        | option    | length    | data (length bytes) |
 *  +-------------------+-----------+-----------+---------------------+
 * </pre>
 *
 * GO and INFO data: name length (u32), name, count of info requests (u16), info types (u16
 * each). LIST_META_CONTEXT and SET_META_CONTEXT data: name length (u32), name, count of
 * queries (u32), then each query as length (u32) and text.
 */
public final class OptionDescriptor {
    public static final int MAGIC_OFFSET = 0;
    public static final int OPTION_OFFSET = 8;
    public static final int LENGTH_OFFSET = 12;
    /** Bytes before the data. */
    public static final int HEADER_LENGTH = 16;
    /**
     * Most option data accepted. Names and queries are at most 4096 bytes each by the spec;
     * a larger option is skipped unbuffered and answered with NBD_REP_ERR_TOO_BIG.
     */
    public static final int MAX_DATA = 64 << 10;

    public static final int EXPORT_NAME = 1;
    public static final int ABORT = 2;
    public static final int LIST = 3;
    public static final int STARTTLS = 5;
    public static final int INFO = 6;
    public static final int GO = 7;
    public static final int STRUCTURED_REPLY = 8;
    public static final int LIST_META_CONTEXT = 9;
    public static final int SET_META_CONTEXT = 10;
    /** Extended headers: not in Debian 12's clients (libnbd 1.14, qemu 7.2), so refused. */
    public static final int EXTENDED_HEADERS = 11;

    private OptionDescriptor() {
    }
}
