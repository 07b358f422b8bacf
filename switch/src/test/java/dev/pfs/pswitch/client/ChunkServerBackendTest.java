package dev.pfs.pswitch.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.cli.ChunkServerConfig;
import dev.pfs.chunkserver.cli.ChunkServerDaemon;
import dev.pfs.chunkserver.disk.DataDir;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.nativeio.DeviceIo;
import dev.pfs.pswitch.server.SwitchConfig;
import dev.pfs.pswitch.server.SwitchDaemon;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The switch routing to a chunkserver (the {@code chunkserver:} backend), both in this JVM. */
@Timeout(120)
class ChunkServerBackendTest {
    @TempDir
    Path dir;

    @Test
    void writesAndReadsAcrossChunksThroughTheSwitchAndAChunkserver() throws Exception {
        ChunkServerConfig cs = new ChunkServerConfig(dir.resolve("cs"), null, new InetSocketAddress("127.0.0.1", 0),
                null, 1L << 20, new DataDir.Layout(64L << 20, 16L << 20, 64), null, null, 1, 32L << 20);
        try (ChunkServerDaemon server = ChunkServerDaemon.start(cs)) {
            String backend = "chunkserver:127.0.0.1:" + server.address().getPort() + ",1M,4";
            SwitchConfig config = new SwitchConfig(dir.resolve("s.sock"),
                    List.of(new SwitchConfig.Volume("v", backend, DeviceIo.geteuid())), SwitchFixture.SMALL,
                    Duration.ofSeconds(5), null);
            try (SwitchDaemon sw = SwitchDaemon.start(config); SwitchVolume v = SwitchVolume.connect(config.socket(), "v")) {
                assertThat(v.size()).isEqualTo(4L << 20);
                byte[] data = SwitchVolumeTest.random(192 * 1024, 9);
                long across = (1L << 20) - 64 * 1024;
                VolumeException.await(v.write(across, ByteBuffer.wrap(data), 0, true));
                ByteBuffer back = ByteBuffer.allocate(data.length);
                VolumeException.await(v.read(across, back));
                assertThat(back.array()).isEqualTo(data);
            }
        }
    }
}
