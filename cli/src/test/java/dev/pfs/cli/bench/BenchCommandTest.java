package dev.pfs.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.cli.CliContext;
import dev.pfs.cli.PfsCommand;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A tiny run of the benchmark: it completes and ends with the key=value line (timings are not checked). */
@Timeout(60)
class BenchCommandTest {
    @TempDir
    Path dir;

    @Test
    void tinyRunEndsWithTheRatioLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PfsCommand.execute(new CliContext(out, err, false), "bench", "--dir", dir.toString(),
                "--file-size", "4M", "--ops", "30", "--seq-size", "6M", "--rounds", "3", "--warmup-turns", "1");
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(text + err).isZero();
        List<String> lines = text.lines().toList();
        assertThat(lines.getLast()).matches("latency_ratio=\\d+\\.\\d\\d p99_ratio=\\d+\\.\\d\\d throughput_ratio=\\d+\\.\\d\\d");
        assertThat(text).contains("4K randwrite+fdatasync p50", "1M seq write", "O_DIRECT", "warm-up:   1 turns");
    }

    @Test
    void refusesASequentialSizeBelowOneMegabytePerRound() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PfsCommand.execute(new CliContext(out, err, false), "bench", "--dir", dir.toString(),
                "--seq-size", "2M", "--rounds", "3");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("at least rounds x 1M");
    }
}
