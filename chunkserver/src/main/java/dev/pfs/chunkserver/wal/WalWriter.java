package dev.pfs.chunkserver.wal;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Appends frames to the log volume. Each {@link #append} is one group commit: every record
 * given is written in one frame with one FUA write (pwrite + fdatasync on a file), and is
 * durable when the call returns; the write runs on the caller's thread where the volume
 * allows ({@link BlockVolume#writeAndWait}). {@link #start} is the pipelined form: it reserves
 * the frame's place and sequence and returns at once, so several frames can be in flight;
 * they may become durable in any order, and the caller acknowledges them in log order
 * (recovery stops at the first frame that did not make it, see {@link #afterRecovery}).
 * Not thread-safe: one agent owns it.
 */
public final class WalWriter {
    /**
     * How far past the end it found recovery moves the frame sequence. Frames written after a
     * missing one may have reached the disk (pipelined commits complete in any order); the next
     * frames must never carry their sequences, or a later scan could take such a stale frame for
     * the continuation of the log. At most {@code RECOVERY_SEQUENCE_GAP} frames are ever in
     * flight, so no frame on the disk carries a sequence at or past the new one.
     */
    public static final long RECOVERY_SEQUENCE_GAP = 1 << 16;

    private final BlockVolume log;
    private final FrameBufferPool buffers;
    private final int alignment;
    private long position;
    private long nextSequence;
    private long lastWriteNanos;

    /**
     * A frame on its way to the log.
     *
     * @param frame    the frame (limit = its length); its payload ranges may be read as write
     *                 sources once durable; the caller gives it back with {@link #releaseFrame}
     * @param sequence its frame sequence
     * @param bytes    its length on the log
     * @param durable  completes when the frame is durable, exceptionally if its write failed (the
     *                 log is then unusable)
     */
    public record Started(ByteBuffer frame, long sequence, int bytes, CompletableFuture<Void> durable) {
    }

    /**
     * @param log          the log volume
     * @param position     where the next frame goes (the end found by recovery)
     * @param nextSequence the sequence the next frame carries
     * @param buffers      where frame buffers come from; {@link #append}'s caller gives each back
     */
    public WalWriter(BlockVolume log, long position, long nextSequence, FrameBufferPool buffers) {
        this(log, position, nextSequence, buffers, WalFrameDescriptor.ALIGNMENT);
    }

    /**
     * @param alignment what frames are padded to, a multiple of {@link WalFrameDescriptor#ALIGNMENT}:
     *                  4096 keeps every write on whole pages of the host file system and the
     *                  device, which on this project's disk made a 4.5 KB O_DSYNC write cost about
     *                  0.6 times as much as one starting mid-page (fio, 4608 B writes 4 KB- vs
     *                  512 B-aligned)
     */
    public WalWriter(BlockVolume log, long position, long nextSequence, FrameBufferPool buffers, int alignment) {
        if (alignment <= 0 || alignment % WalFrameDescriptor.ALIGNMENT != 0) {
            throw new IllegalArgumentException("frame alignment " + alignment + " is not a multiple of "
                    + WalFrameDescriptor.ALIGNMENT);
        }
        this.log = log;
        this.buffers = buffers;
        this.alignment = alignment;
        this.position = position;
        this.nextSequence = nextSequence;
    }

    /**
     * Scans the log after a checkpoint and returns a writer that continues after its valid end,
     * with the frame sequence moved {@link #RECOVERY_SEQUENCE_GAP} on.
     *
     * @param firstSequence the sequence the frame at offset 0 must carry
     * @param sink          receives every record of the valid log, in order
     * @param scanned       receives what the scan found
     */
    public static WalWriter afterRecovery(BlockVolume log, long firstSequence, Consumer<WalRecord> sink,
                                          FrameBufferPool buffers, int alignment,
                                          Consumer<WalScanner.Result> scanned)
            throws VolumeException {
        WalScanner.Result scan = WalScanner.scan(log, firstSequence, sink);
        scanned.accept(scan);
        return new WalWriter(log, scan.endPosition(), scan.nextSequence() + RECOVERY_SEQUENCE_GAP, buffers, alignment);
    }

    /** @return the length of a 512 B-aligned frame holding records of {@code recordsLength} bytes */
    public static int frameLength(int recordsLength) {
        return WalFrameDescriptor.frameLength(recordsLength);
    }

    /** @return the length of this writer's frame holding records of {@code recordsLength} bytes */
    public int paddedLength(int recordsLength) {
        int raw = WalFrameDescriptor.HEADER_LENGTH + recordsLength;
        return (raw + alignment - 1) / alignment * alignment;
    }

    /** @return bytes left in the log after the write position */
    public long room() {
        return log.size() - position;
    }

    /** @return the size of the log volume */
    public long capacity() {
        return log.size();
    }

    /** @return bytes of the log in use since the last reset */
    public long used() {
        return position;
    }

    /** @return the sequence the next frame will carry */
    public long nextSequence() {
        return nextSequence;
    }

    /**
     * Writes {@code records} as one durable frame, on the calling thread where the volume allows.
     *
     * @param payloadOffsets filled with where each record's payload starts in the result
     * @return the frame (limit = its length), whose payload ranges callers may use as write
     *         sources afterwards; the caller gives it back to the pool once nobody reads it
     * @throws VolumeException if the write or its sync failed; the log is then unusable
     */
    public ByteBuffer append(List<WalRecord> records, int[] payloadOffsets) throws VolumeException {
        ByteBuffer frame = build(records, payloadOffsets);
        long at = position;
        boolean written = false;
        try {
            // On the calling thread where the volume allows it: no hand-off to an I/O thread and
            // back on the path every acknowledgement waits for.
            long writing = System.nanoTime();
            log.writeAndWait(at, frame.duplicate(), BlockVolume.NO_EPOCH, true);
            lastWriteNanos = System.nanoTime() - writing;
            written = true;
        } finally {
            if (!written) {
                buffers.release(frame);
            }
        }
        advance(frame.limit());
        return frame;
    }

    /**
     * Starts writing {@code records} as one frame after every frame started before, and returns
     * at once (or, with {@code inline}, after writing it on the calling thread where the volume
     * allows: no hand-off when nothing else is in flight). The frame's place and sequence are
     * taken whether or not its write succeeds.
     *
     * @param payloadOffsets filled with where each record's payload starts in the frame
     * @throws VolumeException NO_SPACE if the frame does not fit in the log (nothing started)
     */
    public Started start(List<WalRecord> records, int[] payloadOffsets, boolean inline) throws VolumeException {
        ByteBuffer frame = build(records, payloadOffsets);
        long at = position;
        long sequence = nextSequence;
        int length = frame.limit();
        advance(length);
        CompletableFuture<Void> durable;
        if (inline) {
            long writing = System.nanoTime();
            durable = new CompletableFuture<>();
            try {
                log.writeAndWait(at, frame.duplicate(), BlockVolume.NO_EPOCH, true);
                lastWriteNanos = System.nanoTime() - writing;
                durable.complete(null);
            } catch (VolumeException | RuntimeException e) {
                durable.completeExceptionally(e);
            }
        } else {
            try {
                durable = log.write(at, frame.duplicate(), BlockVolume.NO_EPOCH, true);
            } catch (RuntimeException e) {
                // A volume that throws instead of failing its future: the same failed write.
                durable = CompletableFuture.failedFuture(e);
            }
        }
        return new Started(frame, sequence, length, durable);
    }

    private void advance(int frameLength) {
        position += frameLength;
        nextSequence++;
    }

    /** Encodes a frame of {@code records} into a pooled buffer (not yet written). */
    private ByteBuffer build(List<WalRecord> records, int[] payloadOffsets) throws VolumeException {
        int recordsLength = 0;
        for (WalRecord r : records) {
            recordsLength += r.encodedLength();
        }
        int frameLength = paddedLength(recordsLength);
        if (frameLength > room()) {
            throw new VolumeException(VolumeException.Kind.NO_SPACE,
                    "WAL full: frame of " + frameLength + " bytes, " + room() + " left");
        }
        ByteBuffer frame;
        try {
            frame = buffers.acquire(frameLength);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VolumeException(VolumeException.Kind.CLOSED, "interrupted waiting for a WAL frame buffer", e);
        }
        try {
            // A reused buffer holds an older frame: clear the header and the padding so the
            // reserved bytes and the tail of the last sector are zeros, as the layout says.
            for (int i = 0; i < WalFrameDescriptor.HEADER_LENGTH; i += 8) {
                frame.putLong(i, 0);
            }
            frame.putInt(WalFrameDescriptor.MAGIC_OFFSET, WalFrameDescriptor.MAGIC);
            frame.putShort(WalFrameDescriptor.VERSION_OFFSET, WalFrameDescriptor.VERSION);
            frame.putInt(WalFrameDescriptor.FRAME_LENGTH_OFFSET, frameLength);
            frame.putInt(WalFrameDescriptor.RECORD_COUNT_OFFSET, records.size());
            frame.putLong(WalFrameDescriptor.SEQUENCE_OFFSET, nextSequence);
            frame.putInt(WalFrameDescriptor.RECORDS_LENGTH_OFFSET, recordsLength);
            frame.position(WalFrameDescriptor.HEADER_LENGTH);
            for (int i = 0; i < records.size(); i++) {
                payloadOffsets[i] = records.get(i).encode(frame);
            }
            zero(frame, WalFrameDescriptor.HEADER_LENGTH + recordsLength, frameLength);
            frame.putInt(WalFrameDescriptor.CRC_OFFSET, WalFrameDescriptor.computeCrc(frame, recordsLength));
            frame.position(0).limit(frameLength);
            return frame;
        } catch (RuntimeException e) {
            buffers.release(frame);
            throw e;
        }
    }

    private static void zero(ByteBuffer frame, int from, int to) {
        int i = from;
        for (; i < to && (i & 7) != 0; i++) {
            frame.put(i, (byte) 0);
        }
        for (; i + 8 <= to; i += 8) {
            frame.putLong(i, 0);
        }
        for (; i < to; i++) {
            frame.put(i, (byte) 0);
        }
    }

    /**
     * @return how long the last {@link #append} spent in the log volume's durable write; the rest
     *         of its time went to building the frame (copies and CRCs)
     */
    public long lastWriteNanos() {
        return lastWriteNanos;
    }

    /** Gives a frame returned by {@link #append} back for reuse; safe from any thread. */
    public void releaseFrame(ByteBuffer frame) {
        buffers.release(frame);
    }

    /** Starts the log over at offset 0, after a checkpoint made everything in it redundant. */
    public void reset() {
        position = 0;
    }
}
