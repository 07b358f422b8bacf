package dev.pfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.FileVolume;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.Pfs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The must-show scripts under scripts/fuse/, each on a fresh volume formatted by the real
 * libpfs over a FileVolume and mounted by the real mount command (this module's class path).
 * Each script prints what it measured and ends with "OK: ..." on success.
 */
@Tag("system")
class DatabasesOnFuseSystemTest {
    private static final Path SCRIPTS = Path.of("..", "scripts", "fuse").toAbsolutePath().normalize();
    private static final long VOLUME_SIZE = 4L << 30;
    private static final long CHUNK_SIZE = 1L << 30;

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void postgresPgbenchAmcheckAndRemount() throws Exception {
        runScript("pg-pgbench.sh");
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void postgresSurvivesKillOfTheMountProcess() throws Exception {
        runScript("pg-crash.sh");
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void mariadbSysbenchAndCheckTable() throws Exception {
        runScript("mariadb-sysbench.sh");
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void stressNgFioVerifyAndReadOnlyMount() throws Exception {
        runScript("stress.sh");
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void posixSuiteGivesTheSameResultsAsExt4AsRootAndAsAnUnprivilegedUser() throws Exception {
        runScript("posix.sh");
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void renameOverAnOpenFileIsAtomicAndSurvivesKillOfTheMount() throws Exception {
        runScript("rename-atomic.sh");
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void readOnlyMountShowsRewritesAndLinkCountsThroughTheKernelCaches() throws Exception {
        runScript("ro-follow.sh");
    }

    private void runScript(String script) throws IOException, InterruptedException {
        Path volume = tmp.resolve("volume.img");
        try (FileVolume v = FileVolume.create(volume, VOLUME_SIZE)) {
            Pfs.mkfs(v, new MkfsOptions(CHUNK_SIZE, MkfsOptions.DEFAULT_MAX_HOSTS));
        }
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPTS.resolve(script).toString()).redirectErrorStream(true);
        pb.environment().put("VOLUME", volume.toString());
        pb.environment().put("PFS", pfsCommand());
        Process p = pb.start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                System.out.println(line);
                lines.add(line);
            }
        }
        int rc = p.waitFor();
        assertThat(rc).as("%s exit code; output:%n%s", script, String.join("\n", lines)).isZero();
        assertThat(lines).as("%s output", script).last().asString().contains("OK:");
    }

    /** The mount command run from this JVM's class path, as the pfs launcher would. */
    private static String pfsCommand() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        assertThat(Files.exists(Path.of(java))).isTrue();
        return java + " --enable-native-access=ALL-UNNAMED -cp " + cp + " dev.pfs.fuse.cli.FuseMain";
    }
}
