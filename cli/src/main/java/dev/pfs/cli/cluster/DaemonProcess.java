package dev.pfs.cli.cluster;

import dev.pfs.fuse.cli.Launcher;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * One daemon of a cluster: this same program run again ({@code pfs chunkserver ...},
 * {@code pfs switch ...}, {@code pfs mount ...}) detached in its own session, its pid in a pid
 * file and its output appended to a log, so that it outlives the command that started it and a
 * later command finds it. A pid counts as the daemon only while that process's arguments name
 * the cluster directory (a pid reused by another program is not ours to stop).
 */
final class DaemonProcess {
    private static final long POLL_MILLIS = 50;

    private final String name;
    private final Path pidFile;
    private final Path log;
    private final Path clusterDir;

    DaemonProcess(String name, Path pidFile, Path log, Path clusterDir) {
        this.name = name;
        this.pidFile = pidFile;
        this.log = log;
        this.clusterDir = clusterDir;
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    /** @return the running daemon, if its pid file names a live process of this cluster */
    Optional<ProcessHandle> running() {
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidFile).strip());
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        return Launcher.alive(pid).filter(h -> h.info().arguments()
                .map(args -> Arrays.stream(args).anyMatch(a -> a.contains(clusterDir.toString())))
                .orElse(false));
    }

    /**
     * Starts {@code pfs args...} detached and waits until {@code ready} holds.
     *
     * @param readyLine a line the daemon prints once it serves (searched in what it logs from now on), or null
     * @param ready     what else must hold, checked while the process lives
     * @throws IOException when it exits or is not ready within {@code timeout}, with its log's last lines
     */
    ProcessHandle start(List<String> args, String readyLine, BooleanSupplier ready, Duration timeout)
            throws IOException, InterruptedException {
        Files.createDirectories(pidFile.getParent());
        Files.createDirectories(log.getParent());
        long from = Files.exists(log) ? Files.size(log) : 0;
        List<String> cmd = new ArrayList<>();
        cmd.add("setsid");
        cmd.addAll(Launcher.selfPrefix());
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true)
                .start();
        Files.writeString(pidFile, p.pid() + "\n");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if ((readyLine == null || logSince(from).contains(readyLine)) && ready.getAsBoolean()) {
                return p.toHandle();
            }
            if (!p.isAlive()) {
                Files.deleteIfExists(pidFile);
                throw new IOException(name + " exited with " + p.exitValue() + "; " + log + " ends:\n" + tail(5));
            }
            p.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS);
        }
        throw new IOException(name + " (pid " + p.pid() + ") not ready after " + timeout.toSeconds() + " s; see " + log);
    }

    /**
     * Stops the daemon: SIGTERM, then SIGKILL if it has not exited within {@code timeout}.
     *
     * @return false when it was not running
     */
    boolean stop(Duration timeout) throws IOException, InterruptedException {
        Optional<ProcessHandle> h = running();
        if (h.isEmpty()) {
            Files.deleteIfExists(pidFile);
            return false;
        }
        h.get().destroy();
        if (!awaitExit(h.get(), timeout)) {
            h.get().destroyForcibly();
            awaitExit(h.get(), Duration.ofSeconds(10));
        }
        Files.deleteIfExists(pidFile);
        return true;
    }

    /** @return whether {@code h} exited within {@code timeout} */
    static boolean awaitExit(ProcessHandle h, Duration timeout) throws InterruptedException {
        try {
            h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !h.isAlive();
        }
    }

    private String logSince(long from) {
        try {
            byte[] all = Files.readAllBytes(log);
            return new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** @return the last {@code n} lines of the log, for a failure message */
    String tail(int n) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(System.lineSeparator(), lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }
}
