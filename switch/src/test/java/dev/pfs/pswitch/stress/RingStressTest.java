package dev.pfs.pswitch.stress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the ring protocol's jcstress tests in a bounded short run (one JVM configuration, no
 * split compilation, one 200 ms iteration each: about 15 s) as part of the fast suite: every test must run and none may see a
 * forbidden outcome. {@code scripts/jcstress-rings} runs them for longer.
 */
class RingStressTest {
    private static final List<Class<?>> TESTS = List.of(RequestPublicationStress.class, ConcurrentClientsStress.class,
            ResponsePublicationStress.class, WrappingRequestStress.class, DoorbellStress.class);

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void noRingTestSeesAForbiddenOutcome() throws IOException, InterruptedException {
        String flags = "--add-opens java.base/jdk.internal.misc=ALL-UNNAMED -XX:+UseSerialGC";
        Path out = dir.resolve("jcstress.out");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "org.openjdk.jcstress.Main", "-t", "dev\\.pfs\\.pswitch\\.stress\\.", "-time", "200", "-iters", "1",
                "-f", "1", "-sc", "false", "-jvmArgs", flags, "-r", dir.resolve("report").toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean finished = p.waitFor(150, TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly();
        }
        assertThat(finished).as("jcstress finishes").isTrue();
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(text).isZero();
        assertThat(text).as(text).contains("Failed tests: No matches.").contains("Error tests: No matches.");
        for (Class<?> t : TESTS) {
            assertThat(dir.resolve("report").resolve(t.getName() + ".html")).as(t.getSimpleName() + " ran").exists();
        }
    }
}
