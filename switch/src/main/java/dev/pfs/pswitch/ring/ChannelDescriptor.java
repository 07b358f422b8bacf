package dev.pfs.pswitch.ring;

import org.agrona.concurrent.AtomicBuffer;

/**
 * The layout of one client's channel, a sealed memfd the switch creates and both sides map:
 * a header page, the request ring (client to switch), the response ring (switch to client)
 * and the data arena that requests name offsets in. Little-endian.
 *
 * <pre>
 *   0 +---------------------------------------------------------------+
 *     | magic "PFSWRING" (i64)               | version (i32) | hdr len |
 *  16 | request ring offset (i64)            | request ring length i64 |
 *  32 | response ring offset (i64)           | response ring length i64|
 *  48 | arena offset (i64)                   | arena length (i64)      |
 *  64 | session id (i64)                     | max I/O (i32) | max fl. |
 * 128 | volume size (i64, written by the switch)                       |
 * 192 | client heartbeat (i64, bumped by the client)                   |
 * 256 | switch asleep (i32): 1 while the switch sleeps; the client that  |
 *     | takes it (1 to 0) rings the doorbell: one byte on the socket    |
 *4096 +---------------------------------------------------------------+
 *     | request ring: Agrona ManyToOneRingBuffer, capacity + trailer   |
 *     +--- page aligned ----------------------------------------------+
 *     | response ring: Agrona ManyToOneRingBuffer, capacity + trailer  |
 *     +--- page aligned ----------------------------------------------+
 *     | arena: arena length bytes                                      |
 *     +---------------------------------------------------------------+
 * </pre>
 * The volume size, the heartbeat and the sleep flag sit on cache lines of their own.
 */
public final class ChannelDescriptor {
    /** "PFSWRING" read as a little-endian long. */
    public static final long MAGIC = 0x474e495257534650L;
    /** The layout version this code reads and writes. */
    public static final int VERSION = 1;
    /** The header's length: one page. */
    public static final int HEADER_LENGTH = ChannelLayout.PAGE;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int HEADER_LENGTH_OFFSET = 12;
    public static final int REQUEST_RING_OFFSET_OFFSET = 16;
    public static final int REQUEST_RING_LENGTH_OFFSET = 24;
    public static final int RESPONSE_RING_OFFSET_OFFSET = 32;
    public static final int RESPONSE_RING_LENGTH_OFFSET = 40;
    public static final int ARENA_OFFSET_OFFSET = 48;
    public static final int ARENA_LENGTH_OFFSET = 56;
    public static final int SESSION_ID_OFFSET = 64;
    public static final int MAX_IO_OFFSET = 72;
    public static final int MAX_IN_FLIGHT_OFFSET = 76;
    public static final int VOLUME_SIZE_OFFSET = 128;
    public static final int CLIENT_HEARTBEAT_OFFSET = 192;
    public static final int SWITCH_ASLEEP_OFFSET = 256;

    private ChannelDescriptor() {
    }

    /** Writes a fresh header for {@code layout}; the magic goes last. */
    public static void writeHeader(AtomicBuffer header, ChannelLayout layout, long sessionId, long volumeSize) {
        header.putInt(VERSION_OFFSET, VERSION);
        header.putInt(HEADER_LENGTH_OFFSET, HEADER_LENGTH);
        header.putLong(REQUEST_RING_OFFSET_OFFSET, layout.requestRingOffset());
        header.putLong(REQUEST_RING_LENGTH_OFFSET, layout.requestRingLength());
        header.putLong(RESPONSE_RING_OFFSET_OFFSET, layout.responseRingOffset());
        header.putLong(RESPONSE_RING_LENGTH_OFFSET, layout.responseRingLength());
        header.putLong(ARENA_OFFSET_OFFSET, layout.arenaOffset());
        header.putLong(ARENA_LENGTH_OFFSET, layout.arenaLength());
        header.putLong(SESSION_ID_OFFSET, sessionId);
        header.putInt(MAX_IO_OFFSET, layout.maxIoLength());
        header.putInt(MAX_IN_FLIGHT_OFFSET, layout.maxInFlight());
        header.putLongVolatile(VOLUME_SIZE_OFFSET, volumeSize);
        header.putLongVolatile(CLIENT_HEARTBEAT_OFFSET, 0);
        header.putLongOrdered(MAGIC_OFFSET, MAGIC);
    }

    /**
     * Reads and checks the header of a channel of {@code channelLength} bytes: the layout must
     * be the one this code writes for its own sizes, and fit.
     *
     * @return the layout it describes
     * @throws ChannelException naming the first field that is wrong
     */
    public static ChannelLayout checkHeader(AtomicBuffer header, long channelLength) throws ChannelException {
        if (channelLength < HEADER_LENGTH) {
            throw new ChannelException("channel of " + channelLength + " bytes is shorter than its header");
        }
        long magic = header.getLongVolatile(MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new ChannelException(String.format("not a switch channel: magic %016x", magic));
        }
        int version = header.getInt(VERSION_OFFSET);
        if (version != VERSION) {
            throw new ChannelException("channel version " + version + ", this code reads " + VERSION);
        }
        if (header.getInt(HEADER_LENGTH_OFFSET) != HEADER_LENGTH) {
            throw new ChannelException("header length " + header.getInt(HEADER_LENGTH_OFFSET) + " != " + HEADER_LENGTH);
        }
        ChannelLayout layout;
        try {
            layout = new ChannelLayout(ringCapacity(header, REQUEST_RING_LENGTH_OFFSET),
                    ringCapacity(header, RESPONSE_RING_LENGTH_OFFSET), header.getLong(ARENA_LENGTH_OFFSET),
                    header.getInt(MAX_IO_OFFSET), header.getInt(MAX_IN_FLIGHT_OFFSET));
        } catch (IllegalArgumentException e) {
            throw new ChannelException("channel header: " + e.getMessage());
        }
        expect(header, REQUEST_RING_OFFSET_OFFSET, layout.requestRingOffset(), "request ring offset");
        expect(header, RESPONSE_RING_OFFSET_OFFSET, layout.responseRingOffset(), "response ring offset");
        expect(header, ARENA_OFFSET_OFFSET, layout.arenaOffset(), "arena offset");
        if (layout.totalLength() != channelLength) {
            throw new ChannelException("channel header describes " + layout.totalLength() + " bytes, the channel has "
                    + channelLength);
        }
        return layout;
    }

    private static int ringCapacity(AtomicBuffer header, int lengthOffset) throws ChannelException {
        long capacity = header.getLong(lengthOffset) - org.agrona.concurrent.ringbuffer.RingBufferDescriptor.TRAILER_LENGTH;
        if (capacity <= 0 || capacity > Integer.MAX_VALUE) {
            throw new ChannelException("ring length " + header.getLong(lengthOffset) + " at header offset "
                    + lengthOffset + " is not a ring's");
        }
        return (int) capacity;
    }

    private static void expect(AtomicBuffer header, int offset, long expected, String what) throws ChannelException {
        long actual = header.getLong(offset);
        if (actual != expected) {
            throw new ChannelException(what + " " + actual + ", the layout puts it at " + expected);
        }
    }
}
