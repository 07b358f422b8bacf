package dev.pfs.chunkserver.wal;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Reusable sector-aligned native buffers for WAL frames. A frame stays in use after its sync,
 * because the data-block writes of its records read their payloads from it; it comes back here
 * when the last of them is done. Allocating a fresh buffer per frame cost more than the sync
 * itself: every allocation zeroes fresh pages and reserves direct memory, and once the
 * collector lagged behind, the reservation stalled the store for whole seconds
 * (measured with JFR on the benchmark).
 *
 * <p>Buffers come in power-of-two classes from 4 KB to {@link #MAX_POOLED}; larger frames are
 * allocated singly. Frames in use are bounded ({@code maxInUse}): the store waits for data
 * writes to finish before it takes more, so data application that falls behind the log slows
 * acknowledgements down instead of growing memory without limit. {@link #release} is safe from
 * any thread.
 */
public final class FrameBufferPool {
    private static final int MIN_SHIFT = 12;
    /** Largest buffer kept for reuse. */
    public static final int MAX_POOLED = 16 << 20;
    private static final int CLASSES = Integer.numberOfTrailingZeros(MAX_POOLED) - MIN_SHIFT + 1;

    private final long maxInUse;
    private final List<ConcurrentLinkedQueue<ByteBuffer>> free = new ArrayList<>(CLASSES);
    private final Object lock = new Object();
    private long inUse;

    /** @param maxInUse bytes of frames in use above which {@link #acquire} waits for releases */
    public FrameBufferPool(long maxInUse) {
        this.maxInUse = maxInUse;
        for (int i = 0; i < CLASSES; i++) {
            free.add(new ConcurrentLinkedQueue<>());
        }
    }

    /**
     * @return a little-endian buffer of at least {@code length} bytes, aligned to
     *         {@link WalFrameDescriptor#ALIGNMENT}, position 0 and limit {@code length}; its
     *         contents are whatever the previous frame left
     * @throws InterruptedException if interrupted while waiting for frames to be released
     */
    public ByteBuffer acquire(int length) throws InterruptedException {
        int cls = sizeClass(length);
        long size = cls < 0 ? length : 1L << (cls + MIN_SHIFT);
        synchronized (lock) {
            while (inUse > 0 && inUse + size > maxInUse) {
                lock.wait();
            }
            inUse += size;
        }
        ByteBuffer b = cls < 0 ? null : free.get(cls).poll();
        if (b == null) {
            b = Arena.ofAuto().allocate(size, WalFrameDescriptor.ALIGNMENT).asByteBuffer();
        }
        b.order(ByteOrder.LITTLE_ENDIAN).clear().limit(length);
        return b;
    }

    /** Gives back a buffer from {@link #acquire}; it must no longer be read by anyone. */
    public void release(ByteBuffer buffer) {
        int cls = sizeClass(buffer.capacity());
        long size = cls < 0 ? buffer.capacity() : 1L << (cls + MIN_SHIFT);
        if (cls >= 0 && size == buffer.capacity()) {
            free.get(cls).offer(buffer);
        }
        synchronized (lock) {
            inUse -= size;
            lock.notifyAll();
        }
    }

    /** @return bytes of frames acquired and not yet released */
    public long inUse() {
        synchronized (lock) {
            return inUse;
        }
    }

    /** @return the class index for {@code length}, or -1 if too large to pool */
    private static int sizeClass(int length) {
        if (length > MAX_POOLED) {
            return -1;
        }
        int shift = Math.max(MIN_SHIFT, 32 - Integer.numberOfLeadingZeros(Math.max(1, length - 1)));
        return shift - MIN_SHIFT;
    }
}
