package dev.pfs.nbd.handshake;

/**
 * The fixed newstyle greeting the server sends on connect, and the client's flags that answer
 * it. Big-endian, like everything in NBD.
 *
 * <pre>
 *  server:  0                   8                   16      18
 *           +-------------------+-------------------+-------+
 *           | "NBDMAGIC"        | "IHAVEOPT"        | flags |   handshake flags (u16)
 *           +-------------------+-------------------+-------+
 *  client:  0       4
 *           +-------+
 *           | flags |                                            client flags (u32)
 *           +-------+
 * </pre>
 */
public final class GreetingDescriptor {
    /** "NBDMAGIC". */
    public static final long NBD_MAGIC = 0x4e42444d41474943L;
    /** "IHAVEOPT": the greeting's second word and the magic of every option request. */
    public static final long IHAVEOPT = 0x49484156454F5054L;
    /** Bytes the server sends. */
    public static final int GREETING_LENGTH = 18;
    /** Bytes of the client's answer. */
    public static final int CLIENT_FLAGS_LENGTH = 4;

    /** Handshake flag: the server speaks fixed newstyle. */
    public static final int FLAG_FIXED_NEWSTYLE = 1;
    /** Handshake flag: the server can leave out the 124 zero bytes after EXPORT_NAME. */
    public static final int FLAG_NO_ZEROES = 1 << 1;
    /** Client flag: the client speaks fixed newstyle. */
    public static final int CLIENT_FIXED_NEWSTYLE = 1;
    /** Client flag: leave out the 124 zero bytes after EXPORT_NAME. */
    public static final int CLIENT_NO_ZEROES = 1 << 1;
    /** Every client flag this server knows; any other bit makes it hang up, as the spec says. */
    public static final int KNOWN_CLIENT_FLAGS = CLIENT_FIXED_NEWSTYLE | CLIENT_NO_ZEROES;

    private GreetingDescriptor() {
    }

    /** @return null if the server accepts these client flags, else why not */
    public static String checkClientFlags(int flags) {
        if ((flags & ~KNOWN_CLIENT_FLAGS) != 0) {
            return String.format("unknown client flags 0x%x", flags & ~KNOWN_CLIENT_FLAGS);
        }
        if ((flags & CLIENT_FIXED_NEWSTYLE) == 0) {
            return "client does not speak fixed newstyle";
        }
        return null;
    }
}
