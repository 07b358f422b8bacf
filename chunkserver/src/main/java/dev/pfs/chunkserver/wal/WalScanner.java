package dev.pfs.chunkserver.wal;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * Reads the log at recovery: frames from offset 0 while each carries the expected sequence
 * and checks out; the first that does not is the end (torn tail or an older generation), and
 * the writer continues there.
 */
public final class WalScanner {
    /**
     * What a scan found.
     *
     * @param endPosition  where the valid log ends and the writer continues
     * @param nextSequence the sequence of the next frame
     * @param frames       frames replayed
     * @param records      records replayed
     * @param stopReason   why the scan stopped at {@code endPosition}
     */
    public record Result(long endPosition, long nextSequence, int frames, long records, String stopReason) {
    }

    private WalScanner() {
    }

    /**
     * Hands every record of the valid log to {@code sink}, in order.
     *
     * @param firstSequence the sequence the frame at offset 0 must carry
     */
    public static Result scan(BlockVolume log, long firstSequence, Consumer<WalRecord> sink) throws VolumeException {
        long position = 0;
        long sequence = firstSequence;
        int frames = 0;
        long records = 0;
        ByteBuffer sector = Arena.ofAuto().allocate(WalFrameDescriptor.ALIGNMENT, WalFrameDescriptor.ALIGNMENT)
                .asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        while (true) {
            long room = log.size() - position;
            if (room < WalFrameDescriptor.ALIGNMENT) {
                return new Result(position, sequence, frames, records, "end of log volume");
            }
            sector.clear();
            VolumeException.await(log.read(position, sector));
            String bad = WalFrameDescriptor.checkHeader(sector, sequence, room);
            if (bad != null) {
                return new Result(position, sequence, frames, records, bad);
            }
            int frameLength = sector.getInt(WalFrameDescriptor.FRAME_LENGTH_OFFSET);
            ByteBuffer frame = Arena.ofAuto().allocate(frameLength, WalFrameDescriptor.ALIGNMENT)
                    .asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            VolumeException.await(log.read(position, frame));
            frame.clear();
            bad = WalFrameDescriptor.checkFrame(frame);
            if (bad == null) {
                bad = checkRecords(frame);
            }
            if (bad != null) {
                return new Result(position, sequence, frames, records, bad);
            }
            int count = frame.getInt(WalFrameDescriptor.RECORD_COUNT_OFFSET);
            int p = WalFrameDescriptor.HEADER_LENGTH;
            for (int i = 0; i < count; i++) {
                WalRecord r = WalRecord.decode(frame, p);
                p += r.encodedLength();
                sink.accept(r);
                records++;
            }
            frames++;
            sequence++;
            position += frameLength;
        }
    }

    private static String checkRecords(ByteBuffer frame) {
        int count = frame.getInt(WalFrameDescriptor.RECORD_COUNT_OFFSET);
        int limit = WalFrameDescriptor.HEADER_LENGTH + frame.getInt(WalFrameDescriptor.RECORDS_LENGTH_OFFSET);
        int p = WalFrameDescriptor.HEADER_LENGTH;
        for (int i = 0; i < count; i++) {
            String bad = WalRecordDescriptor.checkRecord(frame, p, limit);
            if (bad != null) {
                return "record " + i + ": " + bad;
            }
            p += WalRecordDescriptor.recordLength(frame.getInt(p + WalRecordDescriptor.PAYLOAD_LENGTH_OFFSET));
        }
        return p == limit ? null : "records do not fill the frame";
    }
}
