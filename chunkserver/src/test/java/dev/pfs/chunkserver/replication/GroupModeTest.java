package dev.pfs.chunkserver.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.chunkserver.client.Placement;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.parallelraft.Mode;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A volume's replication mode, from its placement file to the groups' rules on every server, across a restart. */
class GroupModeTest {
    @TempDir
    Path dir;

    private static Map<Integer, InetSocketAddress> servers() {
        Map<Integer, InetSocketAddress> m = new LinkedHashMap<>();
        for (int id = 1; id <= 3; id++) {
            m.put(id, InetSocketAddress.createUnresolved("127.0.0.1", 7000 + id));
        }
        return m;
    }

    @Test
    void aStrictVolumeCreatesStrictGroupsAndTheDefaultIsParallelRaft() throws Exception {
        Placement parallel = Placement.spread("p", 1, 2 << 20, 1 << 20, servers(), 3);
        Placement strict = parallel.withMode(Mode.STRICT);
        assertThat(parallel.mode()).isEqualTo(Mode.PARALLEL);
        for (Placement p : List.of(parallel, strict)) {
            GroupSpec g = GroupSpec.decode(p.chunkId(1), p.chunkSize(), p.members(1));
            assertThat(g).isEqualTo(p.group(1));
            assertThat(g.mode()).isEqualTo(p.mode());
            assertThat(RaftSettings.config(2, g).mode()).isEqualTo(p.mode());
        }
        // A ParallelRaft group's form is what it was before modes: servers that predate them read it as before.
        assertThat(new String(parallel.members(0), StandardCharsets.UTF_8)).doesNotContain("mode");
        Path file = dir.resolve("strict.placement");
        strict.write(file);
        assertThat(Placement.read(file)).isEqualTo(strict);
    }

    @Test
    void theModeSurvivesTheReplicationLog() throws Exception {
        GroupSpec strict = new GroupSpec(5, 1 << 20, servers(), Mode.STRICT);
        GroupSpec parallel = new GroupSpec(6, 1 << 20, servers());
        try (FileVolume v = FileVolume.create(dir.resolve("log"), 16 << 20)) {
            ReplicationLog log = ReplicationLog.recover(v, new LinkedHashMap<>());
            log.append(List.of(ReplicationLog.group(strict), ReplicationLog.group(parallel)));
            Map<Long, ReplicationLog.Recovered> found = new LinkedHashMap<>();
            ReplicationLog.recover(v, found);
            assertThat(found.get(5L).spec()).isEqualTo(strict);
            assertThat(found.get(6L).spec().mode()).isEqualTo(Mode.PARALLEL);
        }
    }

    @Test
    void aPlacementFileWithAnUnknownModeIsRefusedNamingTheLine() throws Exception {
        Path file = dir.resolve("bad.placement");
        Placement.spread("bad", 1, 1 << 20, 1 << 20, servers(), 3).write(file);
        Files.writeString(file, Files.readString(file).replace("mode parallel", "mode fast"));
        assertThatThrownBy(() -> Placement.read(file)).hasMessageContaining("line 6")
                .hasMessageContaining("'fast' must be parallel or strict");
    }
}
