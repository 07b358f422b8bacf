package dev.pfs.chunkserver.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.FileVolume;
import dev.pfs.common.volume.ForwardingVolume;
import dev.pfs.parallelraft.Entry;
import dev.pfs.parallelraft.EntryKind;
import dev.pfs.parallelraft.LbaRange;
import dev.pfs.parallelraft.HardState;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restart replays the replication log with a few large sequential reads, however many frames
 * it holds: the log is written in one small frame per agent round (a few KB each under a
 * database's commits), and recovery that read each frame with its own two reads spent 37-170 s
 * on the 100,000 frames of a 1 GB log before the chunkserver served again.
 */
class ReplicationLogRecoveryReadsTest {
    private static final int FRAMES = 2000;

    @TempDir
    Path dir;

    /** Counts the reads that reach the file. */
    private static final class CountingVolume extends ForwardingVolume {
        final AtomicInteger reads = new AtomicInteger();

        CountingVolume(FileVolume inner) {
            super(inner);
        }

        @Override
        public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
            reads.incrementAndGet();
            return inner.read(offset, dst);
        }
    }

    /** @return entry {@code i}: {@code i % 13} KB and a bit, filled with its index */
    private static Entry write(long i) {
        byte[] data = new byte[(int) (i % 13) * 1024 + 100];
        Arrays.fill(data, (byte) i);
        return new Entry(i, 1, 1, EntryKind.WRITE, List.of(new LbaRange(0, 1)), List.of(), data);
    }

    @Test
    void recoveryReadsTheLogInLargePiecesNotFrameByFrame() throws Exception {
        GroupSpec spec = new GroupSpec(7, 1 << 20, Map.of(1, InetSocketAddress.createUnresolved("127.0.0.1", 1)));
        long written;
        try (FileVolume file = FileVolume.create(dir.resolve("replication.log"), 4 * ReplicationLog.MIN_SIZE)) {
            ReplicationLog log = ReplicationLog.recover(file, new LinkedHashMap<>());
            log.append(List.of(ReplicationLog.group(spec)));
            for (int i = 1; i <= FRAMES; i++) {
                // One round's frame: an entry and the hard state that commits it. Frames of 1-13 KB
                // run past the read window (the log is larger than it), some across its end.
                log.append(List.of(ReplicationLog.entry(7, write(i)),
                        ReplicationLog.hardState(7, new HardState(1, 1, i, 0, 0, List.of(1)))));
            }
            written = log.used();
        }
        assertThat(written).as("the log spans more than one read window").isGreaterThan(ReadAheadVolume.WINDOW);
        try (FileVolume file = FileVolume.open(dir.resolve("replication.log"))) {
            CountingVolume counting = new CountingVolume(file);
            Map<Long, ReplicationLog.Recovered> groups = new LinkedHashMap<>();
            ReplicationLog.recover(counting, groups);

            assertThat(groups).containsOnlyKeys(7L);
            assertThat(groups.get(7L).entries()).hasSize(FRAMES);
            for (Entry e : groups.get(7L).entries()) {
                assertThat(e.data()).as("entry %d", e.index()).isEqualTo(write(e.index()).data());
            }
            assertThat(groups.get(7L).hard().commit()).isEqualTo(FRAMES);
            assertThat(counting.reads.get()).as("reads to recover %d frames (%d bytes)", FRAMES + 1, written)
                    .isLessThan(16);
        }
    }
}
