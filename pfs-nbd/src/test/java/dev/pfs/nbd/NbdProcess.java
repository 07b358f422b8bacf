package dev.pfs.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code pfs nbd} process on a free loopback port (port 0, read back from its ready
 * line), started from this module's test class path, and the command runner the system tests
 * drive Debian's NBD clients with.
 */
final class NbdProcess implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("nbd ready listen=127\\.0\\.0\\.1:(\\d+)");
    private final Process process;
    private final Path log;
    final int port;

    /** A command's exit code and its merged stdout and stderr. */
    record Result(int code, String out) {
    }

    private NbdProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    static NbdProcess start(Path volume, Path workDir, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.pfs.nbd.cli.NbdCommand", volume.toString(), "--listen", "127.0.0.1:0"));
        cmd.addAll(List.of(extra));
        Path log = workDir.resolve("pfs-nbd-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        String ready;
        try {
            ready = line.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new AssertionError("pfs nbd did not start: " + java.nio.file.Files.readString(log), e);
        }
        Matcher m = ready == null ? null : READY.matcher(ready);
        if (m == null || !m.find()) {
            p.destroyForcibly();
            throw new AssertionError("pfs nbd said '" + ready + "': " + java.nio.file.Files.readString(log));
        }
        return new NbdProcess(p, log, Integer.parseInt(m.group(1)));
    }

    String uri() {
        return "nbd://127.0.0.1:" + port + "/";
    }

    /** Runs a command to completion within {@code timeout}. */
    static Result run(Duration timeout, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish within " + timeout);
        }
        return new Result(p.exitValue(), out.join());
    }

    /** Runs a command that must succeed; @return its output */
    static String ok(String... cmd) throws IOException, InterruptedException {
        Result r = run(Duration.ofMinutes(2), cmd);
        assertThat(r.code()).as(String.join(" ", cmd) + " said:\n" + r.out()).isZero();
        return r.out();
    }

    /** Stops with SIGTERM, as an operator would, and checks it exits cleanly. */
    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("pfs nbd did not stop on SIGTERM: " + java.nio.file.Files.readString(log));
        }
        assertThat(java.nio.file.Files.readString(log)).as("pfs nbd's log").doesNotContain("Exception");
    }
}
