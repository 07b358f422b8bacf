package dev.pfs.chunkserver.wal;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Appends frames to the log volume. Each {@link #append} is one group commit: every record
 * given is written in one frame with one FUA write (pwrite + fdatasync on a file), and is
 * durable when the call returns; the write runs on the caller's thread where the volume
 * allows ({@link BlockVolume#writeAndWait}). Not thread-safe: one agent owns it.
 */
public final class WalWriter {
    private final BlockVolume log;
    private final FrameBufferPool buffers;
    private long position;
    private long nextSequence;
    private long lastWriteNanos;

    /**
     * @param log          the log volume
     * @param position     where the next frame goes (the end found by recovery)
     * @param nextSequence the sequence the next frame carries
     * @param buffers      where frame buffers come from; {@link #append}'s caller gives each back
     */
    public WalWriter(BlockVolume log, long position, long nextSequence, FrameBufferPool buffers) {
        this.log = log;
        this.buffers = buffers;
        this.position = position;
        this.nextSequence = nextSequence;
    }

    /** @return the length of a frame holding records of {@code recordsLength} bytes */
    public static int frameLength(int recordsLength) {
        return WalFrameDescriptor.frameLength(recordsLength);
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
     * Writes {@code records} as one durable frame.
     *
     * @param payloadOffsets filled with where each record's payload starts in the result
     * @return the frame (limit = its length), whose payload ranges callers may use as write
     *         sources afterwards; the caller gives it back to the pool once nobody reads it
     * @throws VolumeException if the write or its sync failed; the log is then unusable
     */
    public ByteBuffer append(List<WalRecord> records, int[] payloadOffsets) throws VolumeException {
        int recordsLength = 0;
        for (WalRecord r : records) {
            recordsLength += r.encodedLength();
        }
        int frameLength = frameLength(recordsLength);
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
        boolean written = false;
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
            for (int i = WalFrameDescriptor.HEADER_LENGTH + recordsLength; i < frameLength; i++) {
                frame.put(i, (byte) 0);
            }
            frame.putInt(WalFrameDescriptor.CRC_OFFSET, WalFrameDescriptor.computeCrc(frame, recordsLength));
            frame.position(0).limit(frameLength);
            // On the calling thread where the volume allows it: no hand-off to an I/O thread and
            // back on the path every acknowledgement waits for.
            long writing = System.nanoTime();
            log.writeAndWait(position, frame.duplicate(), BlockVolume.NO_EPOCH, true);
            lastWriteNanos = System.nanoTime() - writing;
            written = true;
        } finally {
            if (!written) {
                buffers.release(frame);
            }
        }
        position += frameLength;
        nextSequence++;
        return frame;
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
