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

    /**
     * A client running as another uid (nobody, through setpriv) may attach to the volume it
     * owns and is refused the one root owns, with the reason; the switch checks SO_PEERCRED.
     */
    @Test
    void aClientOfAnotherUidIsRefusedSomeoneElsesVolumeAndGetsItsOwn() throws Exception {
        FileVolume.create(dir.resolve("mine.img"), 16L << 20).close();
        Path cp = readableClassPath();
        try (JavaProcess sw = JavaProcess.start("switch", dir.resolve("switch.log"), SwitchCommand.class,
                "--socket", socket.toString(), "--volume", "v=file:" + dir.resolve("v.img") + ",owner=0",
                "--volume", "mine=file:" + dir.resolve("mine.img") + ",owner=" + NOBODY, "--metrics", "none")) {
            sw.await("switch ready");
            assertThat(asNobody(cp, "v")).startsWith("refused: ").contains("uid " + NOBODY + " may not use volume 'v'");
            assertThat(asNobody(cp, "mine")).startsWith("attached session=");
        }
    }

    private static final int NOBODY = 65534;

    /** Runs {@code try-attach} as nobody and returns its one line. */
    private String asNobody(Path cp, String volume) throws Exception {
        Process p = new ProcessBuilder("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-cp",
                cp + "/*:" + cp + "/classes", SwitchClientMain.class.getName(), "try-attach", socket.toString(), volume)
                .redirectError(dir.resolve("nobody-" + volume + ".log").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor()).as(out + Files.readString(dir.resolve("nobody-" + volume + ".log"))).isZero();
        return out;
    }

    /**
     * Copies what the client needs (pfs's own classes, Agrona, SLF4J) where nobody can read it:
     * the build's class path lives under root's home.
     */
    private Path readableClassPath() throws IOException {
        Path cp = dir.resolve("cp");
        Path classes = Files.createDirectories(cp.resolve("classes"));
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path e = Path.of(entry);
            String name = e.getFileName().toString();
            if (Files.isDirectory(e) && (entry.contains("/native/") || entry.contains("/common/")
                    || entry.contains("/switch/"))) {
                try (var files = Files.walk(e)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        Path to = classes.resolve(e.relativize(f).toString());
                        Files.createDirectories(to.getParent());
                        Files.copy(f, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            } else if (name.startsWith("pfs-native-") || name.startsWith("pfs-common-") || name.startsWith("agrona-")
                    || name.startsWith("slf4j-api-")) {
                Files.copy(e, cp.resolve(name));
            }
        }
        try (var all = Files.walk(dir)) {
            for (Path f : all.filter(f -> Files.isRegularFile(f) || Files.isDirectory(f)).toList()) {
                Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString(
                        Files.isDirectory(f) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return cp;
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
