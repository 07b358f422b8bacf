package dev.pfs.nbd.transmission;

import io.netty.buffer.ByteBuf;

/**
 * One request of the transmission phase.
 *
 * @param flags          command flags
 * @param type           command type
 * @param cookie         the client's handle, echoed in the reply
 * @param offset         byte offset (unsigned on the wire; a negative value is past any end)
 * @param length         byte count (unsigned 32 bits)
 * @param payload        a WRITE's data, owned by the handler; null for other commands and for
 *                       a WRITE whose payload the frame decoder refused and skipped
 */
record NbdRequest(int flags, int type, long cookie, long offset, long length, ByteBuf payload) {
    /** @return the end of the range, or -1 if it overflows a signed 64-bit offset */
    long end() {
        long end = offset + length;
        return offset < 0 || end < offset ? -1 : end;
    }
}
