package dev.pfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pfs cluster}'s refusals and its idempotent down, without starting anything. */
class ClusterCommandTest {
    @TempDir
    Path tmp;

    @Test
    void aSizeThatIsNotAMultipleOfTheChunkSizeIsAUsageErrorAndStartsNothing() {
        Path dir = tmp.resolve("c");
        CliRunner.Result r = CliRunner.run("cluster", "up", "--dir", dir.toString(), "--size", "1G", "--chunk-size", "300M");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("must be a positive multiple of --chunk-size");
        assertThat(Files.exists(dir.resolve("cluster.properties"))).isFalse();
    }

    @Test
    void downWithoutAClusterSucceedsAndStatusFails() {
        Path dir = tmp.resolve("none");
        CliRunner.Result down = CliRunner.run("cluster", "down", "--dir", dir.toString());
        assertThat(down.code()).isZero();
        assertThat(down.out()).contains("nothing to stop");
        CliRunner.Result status = CliRunner.run("cluster", "status", "--dir", dir.toString());
        assertThat(status.code()).isEqualTo(1);
        assertThat(status.err()).contains("no cluster under " + dir.toAbsolutePath());
    }

    @Test
    void everyClusterCommandHasHelp() {
        for (String sub : new String[] {"up", "status", "down"}) {
            CliRunner.Result r = CliRunner.run("cluster", sub, "--help");
            assertThat(r.code()).as(sub).isZero();
            assertThat(r.out()).as(sub).contains("Usage: pfs cluster " + sub).contains("--dir");
        }
    }
}
