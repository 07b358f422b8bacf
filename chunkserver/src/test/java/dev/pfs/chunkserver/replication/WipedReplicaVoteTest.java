package dev.pfs.chunkserver.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicaMembership;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.common.volume.VolumeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica whose data directory was wiped forgot the entries it acknowledged and its votes.
 * Were it given its group back as a founding member, its vote would let a server that lacks an
 * acknowledged write lead: server 3 and server 1 acknowledge a write while server 2 is down;
 * server 1 goes down, server 3 is wiped, server 2 returns. Reopening the volume must not make
 * server 3 a voter again, so server 2 alone cannot lead and no read returns the older data; the
 * safe way back is removing server 3 and adding it again, which brings it the write.
 */
@Timeout(300)
class WipedReplicaVoteTest {
    private static final int SECTOR = 4096;

    @TempDir
    Path dir;
    private LocalServers servers;

    @AfterEach
    void stopAll() {
        if (servers != null) {
            servers.close();
        }
    }

    @Test
    void aWipedReplicaDoesNotVoteALaggingServerIntoLeadership() throws Exception {
        servers = new LocalServers(dir, 3, 16L << 20);
        servers.startAll();
        Placement p = servers.placement("wiped", 21, LocalServers.CHUNK);
        try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
            write(v, 1);
            servers.stop(2);
            write(v, 2);
            assertThat(read(v)).isEqualTo(2);
        }
        servers.stop(1);
        servers.stop(3);
        delete(servers.dataDir(3));
        servers.start(3);
        servers.start(2);

        // Opening the volume again (a mount, the switch) must not hand server 3 its group back.
        VolumeException opened = null;
        try (ReplicatedVolume v = ReplicatedVolume.open(p, Duration.ofSeconds(10), Duration.ofSeconds(2))) {
            int seen = -1;
            try {
                seen = read(v);
            } catch (VolumeException e) {
                // No quorum: the right answer while the only other holder of write 2 is down.
            }
            assertThat(seen).as("a read with server 1 down never returns the write before the acknowledged one")
                    .isNotEqualTo(1);
        } catch (VolumeException e) {
            opened = e;
        }
        assertThat(opened).as("the open names the servers that do not hold the group").isNotNull();
        assertThat(opened.getMessage()).contains("exists on only 1 of 3 servers");

        // The safe way back: server 1 returns, server 3 is removed and added again.
        servers.start(1);
        try (ReplicatedVolume v = ReplicatedVolume.open(p, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
            assertThat(read(v)).isEqualTo(2);
        }
        Placement back = ReplicaMembership.rejoin(p, 3, Duration.ofSeconds(30));
        servers.stop(1);
        try (ReplicatedVolume v = ReplicatedVolume.open(back, Duration.ofSeconds(30), Duration.ofSeconds(2))) {
            assertThat(read(v)).as("servers 2 and 3 hold write 2 once server 3 was added again").isEqualTo(2);
        }
    }

    private static void write(ReplicatedVolume v, int value) throws VolumeException {
        byte[] b = new byte[SECTOR];
        Arrays.fill(b, (byte) value);
        VolumeException.await(v.write(0, ByteBuffer.wrap(b), 0, true));
    }

    private static int read(ReplicatedVolume v) throws VolumeException {
        ByteBuffer dst = ByteBuffer.allocate(SECTOR);
        VolumeException.await(v.read(0, dst));
        return dst.get(0);
    }

    private static void delete(Path p) throws IOException {
        try (Stream<Path> all = Files.walk(p)) {
            for (Path f : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
