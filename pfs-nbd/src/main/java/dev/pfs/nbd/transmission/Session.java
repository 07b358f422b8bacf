package dev.pfs.nbd.transmission;

import dev.pfs.nbd.NbdExport;

/**
 * What the handshake agreed on, fixed for the transmission phase.
 *
 * @param export     the export the client chose
 * @param structured the client negotiated structured replies
 * @param allocation the client selected the base:allocation meta context (id {@link #ALLOCATION_CONTEXT_ID})
 */
public record Session(NbdExport export, boolean structured, boolean allocation) {
    /** The id the server gives base:allocation. */
    public static final int ALLOCATION_CONTEXT_ID = 1;
    /** The name of the one meta context this server has. */
    public static final String ALLOCATION_CONTEXT = "base:allocation";

    public static final int HAS_FLAGS = 1;
    public static final int READ_ONLY = 1 << 1;
    public static final int SEND_FLUSH = 1 << 2;
    public static final int SEND_FUA = 1 << 3;
    public static final int SEND_TRIM = 1 << 5;
    public static final int SEND_WRITE_ZEROES = 1 << 6;
    public static final int SEND_DF = 1 << 7;
    public static final int CAN_MULTI_CONN = 1 << 8;
    public static final int SEND_FAST_ZERO = 1 << 11;

    /**
     * @return the transmission flags for {@code export}. Multi-conn is safe because every
     *         connection shares the one volume, whose flush covers every write it completed,
     *         and a write is answered only once the volume completed it. DF needs structured replies.
     */
    public static int transmissionFlags(NbdExport export, boolean structured) {
        int flags = HAS_FLAGS | SEND_FLUSH | SEND_FUA | SEND_TRIM | SEND_WRITE_ZEROES | CAN_MULTI_CONN
                | SEND_FAST_ZERO;
        if (export.readOnly()) {
            flags |= READ_ONLY;
        }
        if (structured) {
            flags |= SEND_DF;
        }
        return flags;
    }

    /** @return this session's transmission flags */
    public int transmissionFlags() {
        return transmissionFlags(export, structured);
    }
}
