package dev.pfs.common.volume;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * The seam every pfs module codes against: an asynchronous, positional block device with
 * 512 B alignment. Implementations: a local file or device ({@link FileVolume}), a single
 * remote chunkserver, the replicated volume behind PolarSwitch, and in tests a faulty one.
 * core-pfs, pfs-fuse and pfs-nbd never know which one they have.
 *
 * <p>Contract:
 * <ul>
 *   <li>Offsets and lengths are multiples of {@link #SECTOR_SIZE}; anything else fails with
 *       {@link VolumeException.Kind#MISALIGNED}. Ranges past {@link #size()} fail with
 *       {@link VolumeException.Kind#OUT_OF_RANGE}. A request refused for its arguments, its
 *       epoch or lack of space changes nothing; a write that fails with
 *       {@link VolumeException.Kind#IO} may have written any subset of its sectors.</li>
 *   <li>A completed write is visible to later reads, but durable only after a completed
 *       {@link #flush()}, or at completion when written with {@code fua}. FUA makes durable
 *       that write only, not the writes before it. A flush that fails may have lost any of the
 *       writes it covered, for good: a later successful flush does not make them durable.</li>
 *   <li>Each 512 B sector of a write is atomic; a multi-sector write that was not yet durable
 *       may be torn by a crash at sector granularity.</li>
 *   <li>Every write carries the writer's epoch. Volumes that fence (the replicated one) refuse
 *       a write whose epoch is older than one they have seen, with
 *       {@link VolumeException.Kind#STALE_EPOCH}; a local volume may ignore it.</li>
 *   <li>Futures complete exceptionally with a {@link VolumeException}.</li>
 * </ul>
 * The buffers belong to the caller again once the returned future completes.
 */
public interface BlockVolume extends AutoCloseable {
    /** The unit of alignment and of atomicity. */
    int SECTOR_SIZE = 512;

    /** The epoch of a writer that is not fenced (local tools, tests). */
    long NO_EPOCH = 0;

    /** @return the size in bytes, a multiple of {@link #SECTOR_SIZE} */
    long size();

    /**
     * Reads {@code dst.remaining()} bytes at {@code offset} into {@code dst}, advancing its
     * position. Never-written ranges read as zeros.
     */
    CompletableFuture<Void> read(long offset, ByteBuffer dst);

    /**
     * Writes {@code src.remaining()} bytes at {@code offset}.
     *
     * @param epoch the writer's epoch for fencing, or {@link #NO_EPOCH}
     * @param fua   force unit access: durable when the future completes
     */
    CompletableFuture<Void> write(long offset, ByteBuffer src, long epoch, boolean fua);

    /**
     * Writes like {@link #write(long, ByteBuffer, long, boolean)} and returns when it is done.
     * An implementation whose I/O blocks anyway may run it on the calling thread, which saves
     * two thread hand-offs on a latency-critical path (a log's group commit).
     *
     * @throws VolumeException if the write fails
     */
    default void writeAndWait(long offset, ByteBuffer src, long epoch, boolean fua) throws VolumeException {
        VolumeException.await(write(offset, src, epoch, fua));
    }

    /** Writes without an epoch and without FUA. */
    default CompletableFuture<Void> write(long offset, ByteBuffer src) {
        return write(offset, src, NO_EPOCH, false);
    }

    /** Makes every completed write durable. */
    CompletableFuture<Void> flush();

    /**
     * Tells the volume a range is no longer needed; it may free the space. The range reads as
     * zeros afterwards or as its old contents, until written again.
     */
    CompletableFuture<Void> discard(long offset, long length);

    /** Makes a range read as zeros, freeing space where the volume can. */
    CompletableFuture<Void> writeZeroes(long offset, long length, long epoch);

    /** Grows (or shrinks) the volume to {@code newSize} bytes, a multiple of the sector size. */
    CompletableFuture<Void> resize(long newSize);

    /** Releases the volume. Requests after close fail with {@link VolumeException.Kind#CLOSED}. */
    @Override
    void close();
}
