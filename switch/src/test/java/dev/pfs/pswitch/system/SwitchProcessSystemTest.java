package dev.pfs.pswitch.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.FileVolume;
import dev.pfs.pswitch.cli.SwitchCommand;
import dev.pfs.pswitch.client.SwitchClientMain;
import dev.pfs.pswitch.client.Wait;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The switch and its clients as separate processes: a client killed inside a claim, a client
 * that writes outside its arena, and a switch restarted under a client's I/O.
 */
@Tag("system")
@Timeout(180)
class SwitchProcessSystemTest {
    @TempDir
    Path dir;
    private Path socket;

    @BeforeEach
    void makeVolume() throws Exception {
        FileVolume.create(dir.resolve("v.img"), 64L << 20).close();
        socket = dir.resolve("switch.sock");
    }

    private JavaProcess startSwitch(String name) throws Exception {
        JavaProcess p = JavaProcess.start(name, dir.resolve(name + ".log"), SwitchCommand.class,
                "--socket", socket.toString(), "--volume", "v=file:" + dir.resolve("v.img"), "--metrics", "none",
                "--heartbeat-timeout", "2000");
        p.await("switch ready");
        return p;
    }

    private JavaProcess client(String name, String... args) throws IOException {
        return JavaProcess.start(name, dir.resolve(name + ".log"), SwitchClientMain.class, args);
    }

    private static boolean mapsChannel(JavaProcess p, String session) {
        try {
            return Files.readString(Path.of("/proc/" + p.pid() + "/maps")).contains("/memfd:pfs-switch-session-" + session + " ");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aClientKilledInsideAClaimIsFreedWhileAnotherClientsIoGoesOn() throws Exception {
        try (JavaProcess sw = startSwitch("switch");
             JavaProcess io = client("io", "io", socket.toString(), "v", "1", "0", "1500");
             JavaProcess claimer = client("claimer", "claim", socket.toString(), "v")) {
            io.await("progress");
            String session = claimer.await("claimed").substring("claimed session=".length());
            assertThat(mapsChannel(sw, session)).as("the switch maps the claimer's channel").isTrue();
            claimer.kill();
            Wait.until(() -> !mapsChannel(sw, session), "the switch unmaps the killed client's channel");
            assertThat(io.await("done")).isEqualTo("done 1500 reattached=0");
            assertThat(io.waitFor()).isZero();
        }
    }

    @Test
    void aClientWritingOutsideItsArenaIsDisconnectedAndAnotherFinishes() throws Exception {
        try (JavaProcess sw = startSwitch("switch");
             JavaProcess io = client("io", "io", socket.toString(), "v", "2", "0", "500")) {
            io.await("attached");
            try (JavaProcess bad = client("garbage", "garbage", socket.toString(), "v")) {
                String session = bad.await("disconnected").substring("disconnected session=".length());
                assertThat(bad.waitFor()).isZero();
                Wait.until(() -> !mapsChannel(sw, session), "the switch unmaps the bad client's channel");
            }
            assertThat(io.await("done")).startsWith("done 500");
            assertThat(io.waitFor()).isZero();
            assertThat(Files.readString(dir.resolve("switch.log"))).contains("outside the arena");
        }
    }

    @Test
    void clientsReattachAfterTheSwitchIsKilledAndRestartedAndFinishTheirIo() throws Exception {
        JavaProcess first = startSwitch("switch");
        try (JavaProcess a = client("a", "io", socket.toString(), "v", "3", "0", "1500");
             JavaProcess b = client("b", "io", socket.toString(), "v", "4", String.valueOf(32L << 20), "1500")) {
            a.await("progress");
            b.await("progress");
            first.kill();
            try (JavaProcess second = startSwitch("switch-2")) {
                assertThat(a.await("done")).isEqualTo("done 1500 reattached=1");
                assertThat(b.await("done")).isEqualTo("done 1500 reattached=1");
                assertThat(a.waitFor()).isZero();
                assertThat(b.waitFor()).isZero();
            }
        } finally {
            first.close();
        }
    }
}
