package dev.pfs.chunkserver.system;

import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.common.volume.BlockVolume;
import dev.pfs.core.suite.PfsBehaviourSuite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * core-pfs's file-system behaviour suite over a {@link ReplicatedVolume}: one cluster of three
 * chunkserver processes on loopback for the whole class, and every test's volume a fresh set of
 * 16 MB chunks, each a replication group on all three servers. The growfs test is skipped: the
 * placement fixes a replicated volume's size.
 */
@Tag("system")
class ReplicatedVolumeBehaviourTest extends PfsBehaviourSuite {
    private static final long REPLICATED_CHUNK = 16L << 20;
    private static Path dir;
    private static ReplicatedCluster cluster;
    private static long nextVolume = 1;

    @BeforeAll
    static void startCluster() throws Exception {
        dir = Files.createTempDirectory("pfs-repl-suite");
        cluster = new ReplicatedCluster(dir, REPLICATED_CHUNK, "2G", 256);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** A replicated volume's size is fixed by its placement: {@link ReplicatedVolume#resize} refuses. */
    @Override
    protected boolean resizable() {
        return false;
    }

    @Override
    protected BlockVolume newVolume(long size) throws Exception {
        // Each volume its own id: the groups fence writers per volume, and each suite test mounts anew.
        long id = nextVolume++;
        return ReplicatedVolume.create(cluster.placement("suite" + id, id, size, REPLICATED_CHUNK),
                Duration.ofSeconds(20), Duration.ofSeconds(2));
    }
}
