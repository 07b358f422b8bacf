package dev.pfs.pswitch.ring;

import org.agrona.BitUtil;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The sizes of one client's channel: its request ring, response ring and data arena, and the
 * limits the switch holds the client to. Every region starts on a page boundary.
 *
 * @param requestRingCapacity  bytes of request records, a power of two
 * @param responseRingCapacity bytes of response records, a power of two
 * @param arenaLength          bytes of data arena, a multiple of {@link #PAGE}
 * @param maxIoLength          the longest read or write one request may carry, a multiple of
 *                             {@link #PAGE} and at most the arena
 * @param maxInFlight          the most requests of this client the switch works on at once
 */
public record ChannelLayout(int requestRingCapacity, int responseRingCapacity, long arenaLength, int maxIoLength,
                            int maxInFlight) {
    /** The unit regions and arena allocations are aligned to. */
    public static final int PAGE = 4096;

    /** 64 KB rings, an 8 MB arena, 1 MB requests, 256 in flight. */
    public static final ChannelLayout DEFAULT = new ChannelLayout(64 * 1024, 64 * 1024, 8L << 20, 1 << 20, 256);

    /**
     * @throws IllegalArgumentException naming the value that cannot make a channel
     */
    public ChannelLayout {
        requireRing("request ring capacity", requestRingCapacity);
        requireRing("response ring capacity", responseRingCapacity);
        if (arenaLength < PAGE || arenaLength % PAGE != 0 || arenaLength > (1L << 40)) {
            throw new IllegalArgumentException("arena length " + arenaLength + " must be a multiple of " + PAGE
                    + " between " + PAGE + " and 1T");
        }
        if (maxIoLength < PAGE || maxIoLength % PAGE != 0 || maxIoLength > arenaLength) {
            throw new IllegalArgumentException("max I/O length " + maxIoLength + " must be a multiple of " + PAGE
                    + " between " + PAGE + " and the arena length " + arenaLength);
        }
        if (maxInFlight < 1 || (long) maxInFlight * ResponseDescriptor.RECORD_LENGTH > responseRingCapacity) {
            throw new IllegalArgumentException("max in flight " + maxInFlight + " must be between 1 and "
                    + responseRingCapacity / ResponseDescriptor.RECORD_LENGTH + " (what the response ring holds)");
        }
    }

    private static void requireRing(String what, int capacity) {
        if (capacity < PAGE || capacity > (1 << 28) || !BitUtil.isPowerOfTwo(capacity)) {
            throw new IllegalArgumentException(what + " " + capacity + " must be a power of two between "
                    + PAGE + " and 256M");
        }
    }

    /** @return where the request ring starts in the channel */
    public long requestRingOffset() {
        return ChannelDescriptor.HEADER_LENGTH;
    }

    /** @return the request ring's length with its trailer */
    public int requestRingLength() {
        return requestRingCapacity + RingBufferDescriptor.TRAILER_LENGTH;
    }

    /** @return where the response ring starts */
    public long responseRingOffset() {
        return pageAlign(requestRingOffset() + requestRingLength());
    }

    /** @return the response ring's length with its trailer */
    public int responseRingLength() {
        return responseRingCapacity + RingBufferDescriptor.TRAILER_LENGTH;
    }

    /** @return where the arena starts */
    public long arenaOffset() {
        return pageAlign(responseRingOffset() + responseRingLength());
    }

    /** @return the channel's whole length */
    public long totalLength() {
        return arenaOffset() + arenaLength;
    }

    private static long pageAlign(long n) {
        return (n + PAGE - 1) & -PAGE;
    }
}
