package dev.pfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
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
 * Must-show 1 through the real {@code ./pfs} launcher (built by {@code package}, which runs
 * before this suite's {@code integration-test} phase): mkfs a 4 GB volume, copy the repository's
 * common/src in, list it, fsck it, copy it back out and compare byte for byte.
 */
@Tag("system")
@Timeout(120)
class LauncherSystemTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private Run pfs(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(REPO.resolve("pfs").toString());
        cmd.addAll(List.of(args));
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("pfs " + String.join(" ", args) + " did not finish in 60 s");
        }
        Run r = new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        assertThat(r.code).as("pfs %s\nstdout:\n%s\nstderr:\n%s", String.join(" ", args), r.out, r.err).isZero();
        return r;
    }

    @Test
    void mustShowOneRoundTripsASourceTreeThroughTheLauncher() throws Exception {
        assertThat(REPO.resolve("cli/target/lib")).as("package has copied the runtime dependencies").isDirectory();
        Path source = REPO.resolve("common/src");

        Run mkfs = pfs("mkfs", "v.img", "--size", "4G");
        assertThat(mkfs.out).contains("formatted");
        assertThat(Files.size(dir.resolve("v.img"))).isEqualTo(4L << 30);

        pfs("cp", "-r", source.toString(), "v.img:/src");
        Run ls = pfs("ls", "-l", "v.img:/src");
        assertThat(ls.out).contains("main", "test").contains("drwx");
        Run fsck = pfs("fsck", "v.img");
        assertThat(fsck.out).contains("clean");

        pfs("cp", "-r", "v.img:/src", "out");
        TreeAssert.assertSameTree(source, dir.resolve("out"));
        assertThat(pfs("info", "v.img").out).containsPattern("rw holder:\\s+(none|host 0 \\(lease expired\\))");
    }
}
