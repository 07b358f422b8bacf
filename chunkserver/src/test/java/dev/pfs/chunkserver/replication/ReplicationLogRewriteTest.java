package dev.pfs.chunkserver.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.wal.ReorderingVolume;
import dev.pfs.chunkserver.wal.WalRecord;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.parallelraft.Entry;
import dev.pfs.parallelraft.EntryKind;
import dev.pfs.parallelraft.HardState;
import dev.pfs.parallelraft.LbaRange;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rewrite of the replication log runs off the agent's thread: {@link ReplicationLog#startRewrite}
 * returns with its frames still to be written, and the log goes on in the new half behind it.
 * Whatever a power cut leaves of that, recovery must read either the old half whole or the new one
 * whole: never half a rewrite, and never a frame written behind a rewrite that did not finish.
 *
 * <p>The old half holds a group's entries 1-6; the rewrite holds the same group with a hard state
 * compacted to 2 and entries 3-6, in two frames (each entry is 1 MB, a frame's records at most
 * 4 MB); a frame with entry 7 is started behind it. So recovery shows which half it read: entries
 * 1-6 from the old one, 3-6 (and 7 if it landed) from the new one.
 */
class ReplicationLogRewriteTest {
    private static final long GROUP = 9;
    private static final int ENTRY_BYTES = 1 << 20;

    @TempDir
    Path dir;

    private static Entry entry(long index) {
        byte[] data = new byte[ENTRY_BYTES];
        Arrays.fill(data, (byte) index);
        return new Entry(index, 1, 1, EntryKind.WRITE, List.of(new LbaRange(0, ENTRY_BYTES / 512)), List.of(), data);
    }

    private static final GroupSpec SPEC = new GroupSpec(GROUP, 64L << 20,
            Map.of(1, InetSocketAddress.createUnresolved("127.0.0.1", 1)));

    /** A log on a volume that holds writes until the test lands them, with entries 1-6 durable. */
    private record Setup(FileVolume file, ReorderingVolume disk, ReplicationLog log) {
    }

    private Setup setUp() throws IOException, VolumeException {
        FileVolume file = FileVolume.create(dir.resolve("replication.log"), 4 * ReplicationLog.MIN_SIZE);
        ReorderingVolume disk = new ReorderingVolume(file, 1);
        ReplicationLog log = ReplicationLog.recover(disk, new LinkedHashMap<>());
        List<WalRecord> first = new ArrayList<>(List.of(ReplicationLog.group(SPEC)));
        for (long i = 1; i <= 6; i++) {
            first.add(ReplicationLog.entry(GROUP, entry(i)));
        }
        log.append(first);
        return new Setup(file, disk, log);
    }

    private static List<WalRecord> live() {
        List<WalRecord> live = new ArrayList<>(List.of(ReplicationLog.group(SPEC),
                ReplicationLog.hardState(GROUP, new HardState(1, 1, 6, 2, 1, List.of(1)))));
        for (long i = 3; i <= 6; i++) {
            live.add(ReplicationLog.entry(GROUP, entry(i)));
        }
        return live;
    }

    private List<Long> recoveredIndexes() throws IOException, VolumeException {
        try (FileVolume file = FileVolume.open(dir.resolve("replication.log"))) {
            Map<Long, ReplicationLog.Recovered> groups = new LinkedHashMap<>();
            ReplicationLog.recover(file, groups);
            return groups.get(GROUP).entries().stream().map(Entry::index).toList();
        }
    }

    /** Waits until {@code n} writes are in flight: a landed rewrite frame issues the next on an I/O thread. */
    private static void awaitHeld(ReorderingVolume disk, int n) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (disk.held() != n) {
            assertThat(System.nanoTime() - end).as("writes in flight: %d, expected %d", disk.held(), n)
                    .isNegative();
            Thread.sleep(1);
        }
    }

    @Test
    void aRewriteReturnsWithItsFramesInFlightOneAtATimeTheFirstFrameLast() throws Exception {
        Setup s = setUp();
        try (FileVolume ignored = s.file()) {
            CompletableFuture<Void> rewrite = s.log().startRewrite(live());
            assertThat(rewrite).as("started, not written").isNotDone();
            assertThat(s.disk().held()).as("one rewrite frame at a time").isEqualTo(1);
            ReplicationLog.Started behind = s.log().start(
                    List.of(ReplicationLog.entry(GROUP, entry(7))), false);
            awaitHeld(s.disk(), 2);
            // In issue order: the rewrite's second frame, then entry 7's frame.
            s.disk().land(0);
            awaitHeld(s.disk(), 2);
            assertThat(rewrite).as("its first frame is not written yet").isNotDone();
            s.disk().land(0);
            s.disk().land(0);
            assertThat(rewrite).succeedsWithin(Duration.ofSeconds(10));
            assertThat(behind.durable()).succeedsWithin(Duration.ofSeconds(10));
        }
        assertThat(recoveredIndexes()).as("the new half, with the frame behind the rewrite")
                .containsExactly(3L, 4L, 5L, 6L, 7L);
    }

    @Test
    void aPowerCutBeforeTheRewritesFirstFrameLandsRecoversTheOldHalfWithoutTheFramesBehindIt() throws Exception {
        Setup s = setUp();
        CompletableFuture<Void> rewrite;
        try (FileVolume ignored = s.file()) {
            rewrite = s.log().startRewrite(live());
            ReplicationLog.Started behind = s.log().start(
                    List.of(ReplicationLog.entry(GROUP, entry(7))), false);
            awaitHeld(s.disk(), 2);
            s.disk().land(0);
            awaitHeld(s.disk(), 2);
            // The frame behind the rewrite lands; the rewrite's first frame is lost.
            s.disk().land(0);
            assertThat(behind.durable()).succeedsWithin(Duration.ofSeconds(10));
            s.disk().drop();
            assertThat(rewrite).failsWithin(Duration.ofSeconds(10));
        }
        assertThat(recoveredIndexes()).as("the old half whole, nothing of the new one")
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    }

    @Test
    void aPowerCutAfterTheRewriteRecoversTheNewHalfUpToTheLostFrameBehindIt() throws Exception {
        Setup s = setUp();
        try (FileVolume ignored = s.file()) {
            CompletableFuture<Void> rewrite = s.log().startRewrite(live());
            s.log().start(List.of(ReplicationLog.entry(GROUP, entry(7))), false);
            awaitHeld(s.disk(), 2);
            s.disk().land(0);
            awaitHeld(s.disk(), 2);
            // Held now: entry 7's frame, then the rewrite's first frame.
            s.disk().land(1);
            assertThat(rewrite).succeedsWithin(Duration.ofSeconds(10));
            s.disk().drop();
        }
        assertThat(recoveredIndexes()).as("the new half, without the frame that never landed")
                .containsExactly(3L, 4L, 5L, 6L);
    }
}
