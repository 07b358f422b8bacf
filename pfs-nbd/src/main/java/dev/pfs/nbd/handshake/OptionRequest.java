package dev.pfs.nbd.handshake;

import io.netty.buffer.ByteBuf;

/**
 * One option request of the handshake.
 *
 * @param option the option code ({@link OptionDescriptor})
 * @param data   its data, owned by whoever handles the request
 */
record OptionRequest(int option, ByteBuf data) {
}
