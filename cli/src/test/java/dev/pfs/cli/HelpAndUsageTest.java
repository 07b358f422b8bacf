package dev.pfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import ch.qos.logback.classic.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

class HelpAndUsageTest {
    /** --verbose lowers the process-wide log level; later tests in this JVM expect the default. */
    @AfterEach
    void restoreLogLevel() {
        if (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(Level.WARN);
        }
    }

    private static final String[] COMMANDS = {
        "mkfs", "info", "ls", "stat", "cat", "cp", "mkdir", "rm", "mv", "growfs", "fsck", "mount", "umount", "cluster", "chunkserver", "switch",
        "completion", "bench", "bench-concurrency", "nbd", "volume", "chunk"};

    @Test
    void everyCommandHasHelpWithTheExitCodeTable() {
        for (String cmd : COMMANDS) {
            CliRunner.Result r = CliRunner.run(cmd, "--help");
            assertThat(r.code()).as(cmd).isZero();
            assertThat(r.out()).as(cmd).contains("Usage: pfs " + cmd).contains("Exit codes:")
                    .contains("--verbose").contains(" 3  volume busy");
        }
    }

    @Test
    void topLevelHelpListsCommandsButNotTheHiddenBench() {
        CliRunner.Result r = CliRunner.run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("mkfs", "fsck", "completion", "VOLUME:/PATH").doesNotContain("bench");
    }

    @Test
    void noCommandIsAUsageError() {
        CliRunner.Result r = CliRunner.run();
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Usage: pfs");
    }

    @Test
    void unknownCommandOrOptionIsAUsageErrorOnOneLine() {
        CliRunner.Result r = CliRunner.run("frobnicate");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("pfs: Unmatched argument");
        CliRunner.Result opt = CliRunner.run("ls", "--bogus", "v.img:/");
        assertThat(opt.code()).isEqualTo(2);
        assertThat(opt.err()).contains("pfs ls: Unknown option: '--bogus'");
    }

    @Test
    void verboseMayComeBeforeOrAfterTheCommand() {
        for (String[] args : new String[][] {{"-v", "ls", "missing.img:/"}, {"ls", "missing.img:/", "--verbose"}}) {
            CliRunner.Result r = CliRunner.run(args);
            assertThat(r.code()).isEqualTo(ExitStatus.BAD_VOLUME.code());
            assertThat(r.err()).contains("missing.img: no such volume file").contains("\tat dev.pfs.cli");
        }
        assertThat(CliRunner.run("ls", "missing.img:/").err()).doesNotContain("\tat ");
    }

    @Test
    void completionScriptCoversEveryCommandAndMatchesTheCommittedOne() throws IOException {
        CliRunner.Result r = CliRunner.run("completion");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("complete -F", "mkfs", "growfs", "--recursive");
        Path committed = Path.of("..", "scripts", "completion", "pfs.bash");
        assertThat(Files.readString(committed, StandardCharsets.UTF_8))
                .as("regenerate with: ./pfs completion > scripts/completion/pfs.bash")
                .isEqualTo(r.out());
    }

    @Test
    void docsListEveryExitCode() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "cli.md"), StandardCharsets.UTF_8);
        for (ExitStatus s : ExitStatus.values()) {
            assertThat(doc).contains("| " + s.code() + " | " + s.meaning() + " |");
        }
    }

    @Test
    void everySubcommandIsRegisteredOnce() {
        CommandLine root = PfsCommand.commandLine(new CliContext(System.out, System.err, false));
        assertThat(root.getSubcommands().keySet()).containsExactly(COMMANDS);
    }
}
