package dev.pfs.chunkserver.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.wal.ReorderingVolume;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.parallelraft.Entry;
import dev.pfs.parallelraft.EntryKind;
import dev.pfs.parallelraft.LbaRange;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent keeps several replication-log frames in flight, so a power cut can leave a durable
 * frame behind one that never landed. Recovery stops at the hole, and nothing of the stale frame
 * beyond it may ever come back: not at this restart, and not at a later one, after new frames
 * were written over the hole (same length, so the stale frame sits exactly where the next frame
 * would). Its records were never acted on (rounds finish in log order), and an entry it holds
 * would override the index's newer entry in replay order.
 */
class ReplicationLogPowerCutTest {
    private static final long GROUP = 7;

    @TempDir
    Path dir;

    private static Entry entry(long index, long term, byte fill) {
        byte[] data = new byte[4096];
        Arrays.fill(data, fill);
        return new Entry(index, term, term, EntryKind.WRITE, List.of(new LbaRange(0, 8)), List.of(), data);
    }

    private static Map<Long, ReplicationLog.Recovered> recover(FileVolume file) throws VolumeException {
        Map<Long, ReplicationLog.Recovered> groups = new LinkedHashMap<>();
        ReplicationLog.recover(file, groups);
        return groups;
    }

    private static List<String> entries(Map<Long, ReplicationLog.Recovered> groups) {
        return groups.get(GROUP).entries().stream().map(e -> e.index() + ":" + e.term() + ":" + e.data()[0]).toList();
    }

    @Test
    void aStaleFrameBehindAHoleNeverComesBack() throws Exception {
        GroupSpec spec = new GroupSpec(GROUP, 1 << 20, Map.of(1, InetSocketAddress.createUnresolved("127.0.0.1", 1)));
        Path path = dir.resolve("replication.log");
        try (FileVolume file = FileVolume.create(path, 4 * ReplicationLog.MIN_SIZE)) {
            ReorderingVolume disk = new ReorderingVolume(file, 1);
            ReplicationLog log = ReplicationLog.recover(disk, new LinkedHashMap<>());
            log.append(List.of(ReplicationLog.group(spec), ReplicationLog.entry(GROUP, entry(1, 1, (byte) 'a'))));
            ReplicationLog.Started b = log.start(List.of(ReplicationLog.entry(GROUP, entry(2, 1, (byte) 'b'))), false);
            ReplicationLog.Started c = log.start(List.of(ReplicationLog.entry(GROUP, entry(3, 1, (byte) 'c'))), false);
            assertThat(disk.held()).isEqualTo(2);
            disk.land(1);
            disk.drop();
            assertThat(c.durable()).succeedsWithin(Duration.ofSeconds(10));
            assertThat(b.durable()).failsWithin(Duration.ofSeconds(10));
        }
        try (FileVolume file = FileVolume.open(path)) {
            Map<Long, ReplicationLog.Recovered> groups = new LinkedHashMap<>();
            ReplicationLog log = ReplicationLog.recover(file, groups);
            assertThat(entries(groups)).as("recovery stops at the torn frame").containsExactly("1:1:97");
            // A new leader's entry at index 2, in a frame as long as the lost one.
            log.append(List.of(ReplicationLog.entry(GROUP, entry(2, 2, (byte) 'd'))));
        }
        try (FileVolume file = FileVolume.open(path)) {
            assertThat(entries(recover(file))).as("the stale frame after the rewritten one stays dead")
                    .containsExactly("1:1:97", "2:2:100");
        }
    }
}
