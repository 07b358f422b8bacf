package dev.pfs.nbd.transmission;

/**
 * How much one connection may have in flight before the server stops reading from it. Past
 * either limit autoRead goes off, so a client that floods requests, or reads its replies
 * slowly, holds at most this much memory and slows no other connection.
 *
 * @param maxRequests requests accepted but not yet answered
 * @param maxBytes    bytes of write payloads and read buffers held for them
 */
public record TransmissionLimits(int maxRequests, long maxBytes) {
    /** 128 requests, 128 MiB: enough for QD128 of 1 MiB or four maximum-size requests. */
    public static final TransmissionLimits DEFAULT = new TransmissionLimits(128, 128L << 20);

    /** Checks the limits. */
    public TransmissionLimits {
        if (maxRequests < 1 || maxBytes < RequestDescriptor.MAX_BLOCK) {
            throw new IllegalArgumentException("in-flight limits " + maxRequests + " requests, " + maxBytes
                    + " bytes: need at least 1 request and " + RequestDescriptor.MAX_BLOCK + " bytes");
        }
    }
}
