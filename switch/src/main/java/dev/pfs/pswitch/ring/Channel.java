package dev.pfs.pswitch.ring;

import dev.pfs.nativeio.LinuxIo;
import dev.pfs.nativeio.NativeIoException;
import dev.pfs.nativeio.SharedMemory;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;

/**
 * One client's mapped channel ({@link ChannelDescriptor}): views of its header, its two rings
 * and its arena over one shared mapping. The switch {@link #create}s it; the client
 * {@link #attach}es to the descriptor it was sent. Each ring has a buffer of its own, so
 * Agrona's bounds checks keep a corrupt record inside its ring.
 */
public final class Channel implements AutoCloseable {
    private final MemorySegment mapping;
    private final ChannelLayout layout;
    private final UnsafeBuffer header;
    private final ManyToOneRingBuffer requests;
    private final ManyToOneRingBuffer responses;
    private final MemorySegment arena;
    private boolean closed;

    private Channel(MemorySegment mapping, ChannelLayout layout) {
        this.mapping = mapping;
        this.layout = layout;
        this.header = new UnsafeBuffer(mapping.address(), ChannelDescriptor.HEADER_LENGTH);
        this.requests = new ManyToOneRingBuffer(new UnsafeBuffer(mapping.address() + layout.requestRingOffset(),
                layout.requestRingLength()));
        this.responses = new ManyToOneRingBuffer(new UnsafeBuffer(mapping.address() + layout.responseRingOffset(),
                layout.responseRingLength()));
        this.arena = mapping.asSlice(layout.arenaOffset(), layout.arenaLength());
    }

    /**
     * Creates a channel in a new sealed memfd and writes its header.
     *
     * @param name shows as {@code /memfd:name} in {@code /proc/PID/maps}
     * @return the channel and the memfd to send the client (the caller closes it once sent)
     */
    public static Created create(String name, ChannelLayout layout, long sessionId, long volumeSize)
            throws NativeIoException {
        int fd = SharedMemory.create(name, layout.totalLength());
        try {
            Channel channel = new Channel(SharedMemory.map(fd, layout.totalLength()), layout);
            ChannelDescriptor.writeHeader(channel.header, layout, sessionId, volumeSize);
            return new Created(channel, fd);
        } catch (NativeIoException | RuntimeException e) {
            LinuxIo.close(fd);
            throw e;
        }
    }

    /** A new channel and the memfd it lives in. */
    public record Created(Channel channel, int descriptor) {
    }

    /**
     * Maps the channel in {@code fd} (a sealed memfd) and checks its header.
     *
     * @throws ChannelException when it is not sealed or not a channel this code can use
     */
    public static Channel attach(int fd) throws ChannelException {
        long size;
        try {
            size = SharedMemory.checkSealed(fd);
        } catch (NativeIoException e) {
            throw new ChannelException("channel descriptor refused: " + e.getMessage());
        }
        MemorySegment mapping;
        try {
            mapping = SharedMemory.map(fd, size);
        } catch (NativeIoException e) {
            throw new ChannelException("cannot map the channel: " + e.getMessage());
        }
        try {
            ChannelLayout layout = ChannelDescriptor.checkHeader(
                    new UnsafeBuffer(mapping.address(), (int) Math.min(size, ChannelDescriptor.HEADER_LENGTH)), size);
            return new Channel(mapping, layout);
        } catch (ChannelException e) {
            unmap(mapping);
            throw e;
        }
    }

    /** @return the sizes this channel was made with */
    public ChannelLayout layout() {
        return layout;
    }

    /** @return the header page (volume size, heartbeat, ids) */
    public UnsafeBuffer header() {
        return header;
    }

    /** @return the ring requests travel in, client to switch */
    public ManyToOneRingBuffer requests() {
        return requests;
    }

    /** @return the ring completions travel in, switch to client */
    public ManyToOneRingBuffer responses() {
        return responses;
    }

    /** @return the data arena */
    public MemorySegment arena() {
        return arena;
    }

    /** @return a direct buffer over {@code length} arena bytes at {@code offset}, no copy */
    public ByteBuffer arenaSlice(long offset, long length) {
        return arena.asSlice(offset, length).asByteBuffer();
    }

    /** @return the session id the switch stamped */
    public long sessionId() {
        return header.getLong(ChannelDescriptor.SESSION_ID_OFFSET);
    }

    /** @return the volume size the switch last published */
    public long volumeSize() {
        return header.getLongVolatile(ChannelDescriptor.VOLUME_SIZE_OFFSET);
    }

    /** Publishes the volume's size to the client. */
    public void volumeSize(long size) {
        header.putLongOrdered(ChannelDescriptor.VOLUME_SIZE_OFFSET, size);
    }

    /** @return the client's heartbeat counter */
    public long clientHeartbeat() {
        return header.getLongVolatile(ChannelDescriptor.CLIENT_HEARTBEAT_OFFSET);
    }

    /** Bumps the client's heartbeat counter (the client's side only). */
    public void beat() {
        header.getAndAddLong(ChannelDescriptor.CLIENT_HEARTBEAT_OFFSET, 1);
    }

    /** Says the switch is asleep (it waits for a doorbell) or awake; the switch's side only. */
    public void switchAsleep(boolean asleep) {
        header.putIntVolatile(ChannelDescriptor.SWITCH_ASLEEP_OFFSET, asleep ? 1 : 0);
    }

    /**
     * @return whether the switch was asleep and this caller took the flag, so that it, and only
     *         it, rings the doorbell; the client's side only, after a full fence behind its commit
     */
    public boolean takeDoorbell() {
        return header.getIntVolatile(ChannelDescriptor.SWITCH_ASLEEP_OFFSET) == 1
                && header.compareAndSetInt(ChannelDescriptor.SWITCH_ASLEEP_OFFSET, 1, 0);
    }

    /**
     * @return whether a committed record waits at the head of the request ring (a record still
     *         being claimed does not count: its client rings the doorbell after committing)
     */
    public boolean hasCommittedRequest() {
        org.agrona.concurrent.AtomicBuffer b = requests.buffer();
        int capacity = requests.capacity();
        long head = b.getLongVolatile(capacity + org.agrona.concurrent.ringbuffer.RingBufferDescriptor.HEAD_POSITION_OFFSET);
        return b.getIntVolatile((int) head & (capacity - 1)) > 0;
    }

    /** Unmaps the channel; nothing may touch its views afterwards. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            unmap(mapping);
        }
    }

    private static void unmap(MemorySegment mapping) {
        try {
            SharedMemory.unmap(mapping);
        } catch (NativeIoException e) {
            throw new IllegalStateException("munmap of a channel failed: " + e.getMessage(), e);
        }
    }
}
