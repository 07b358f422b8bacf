package dev.pfs.chunkserver.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.FaultyVolume;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Recovery of a log written with several frames in flight: a frame after a missing one may be
 * durable, and neither that recovery nor any later one may take it for part of the log.
 */
class WalPipelineRecoveryTest {
    private static final int ALIGN = 4096;

    private static WalRecord record(long chunk, int bytes) {
        ByteBuffer p = ByteBuffer.allocateDirect(bytes);
        for (int i = 0; i < bytes; i += 8) {
            p.putLong(i, chunk * 1000 + i);
        }
        return WalRecord.write(chunk, 1, 0, p);
    }

    private static List<Long> chunksIn(FaultyVolume log, long firstSequence) throws Exception {
        List<Long> seen = new ArrayList<>();
        WalScanner.scan(log, firstSequence, r -> seen.add(r.chunkId()));
        return seen;
    }

    @Test
    void aDurableFrameAfterAHoleIsNeverReplayed() throws Exception {
        FaultyVolume disk = FaultyVolume.create(1 << 20, 7);
        ReorderingVolume log = new ReorderingVolume(disk, 7);
        FrameBufferPool pool = new FrameBufferPool(1 << 20);
        WalWriter w = new WalWriter(log, 0, 1, pool, ALIGN);
        // Three frames of one page each in flight; the second never lands, the third does.
        WalWriter.Started a = w.start(List.of(record(1, 1024)), new int[1], false);
        WalWriter.Started b = w.start(List.of(record(2, 1024)), new int[1], false);
        WalWriter.Started c = w.start(List.of(record(3, 1024)), new int[1], false);
        assertThat(log.held()).isEqualTo(3);
        log.land(2);
        log.land(0);
        assertThat(a.durable()).isCompleted();
        assertThat(c.durable()).isCompleted();
        log.drop();
        assertThat(b.durable()).isCompletedExceptionally();
        FaultyVolume rebooted = disk.restart();

        // Recovery stops at the hole: frame 3 is on the disk but not replayed.
        List<Long> replayed = new ArrayList<>();
        WalScanner.Result[] found = new WalScanner.Result[1];
        WalWriter after = WalWriter.afterRecovery(rebooted, 1, r -> replayed.add(r.chunkId()), pool, ALIGN,
                s -> found[0] = s);
        assertThat(replayed).containsExactly(1L);
        assertThat(found[0].endPosition()).isEqualTo(ALIGN);

        // The recovery checkpoint records after.nextSequence() and starts the log over; a first
        // new frame two pages long then ends exactly where the stale frame 3 begins.
        long first = after.nextSequence();
        after.reset();
        after.start(List.of(record(4, 2 * ALIGN - 200)), new int[1], true).durable().join();
        assertThat(chunksIn(rebooted, first)).as("the stale frame after the hole must not come back")
                .containsExactly(4L);
    }
}
