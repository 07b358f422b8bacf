package dev.pfs.nbd.handshake;

/** The client's answer to the greeting, as {@link OptionFrameDecoder} decodes it. */
record ClientFlags(int flags) {
    boolean noZeroes() {
        return (flags & GreetingDescriptor.CLIENT_NO_ZEROES) != 0;
    }
}
