package dev.pfs.chunkserver.wal;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Appends frames to the log volume. Each {@link #append} is one group commit: every record
 * given is written in one frame with one FUA write (pwrite + fdatasync on a file), and is
 * durable when the call returns. Not thread-safe: one agent owns it.
 */
public final class WalWriter {
    private final BlockVolume log;
    private long position;
    private long nextSequence;

    /**
     * @param log          the log volume
     * @param position     where the next frame goes (the end found by recovery)
     * @param nextSequence the sequence the next frame carries
     */
    public WalWriter(BlockVolume log, long position, long nextSequence) {
        this.log = log;
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
     * @return the frame, whose payload ranges callers may use as write sources afterwards
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
        ByteBuffer frame = Arena.ofAuto().allocate(frameLength, WalFrameDescriptor.ALIGNMENT)
                .asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
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
        frame.putInt(WalFrameDescriptor.CRC_OFFSET, WalFrameDescriptor.computeCrc(frame, recordsLength));
        frame.clear();
        VolumeException.await(log.write(position, frame.duplicate(), BlockVolume.NO_EPOCH, true));
        position += frameLength;
        nextSequence++;
        return frame;
    }

    /** Starts the log over at offset 0, after a checkpoint made everything in it redundant. */
    public void reset() {
        position = 0;
    }
}
