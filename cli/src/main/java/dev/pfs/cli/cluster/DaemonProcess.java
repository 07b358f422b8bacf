package dev.pfs.cli.cluster;

import dev.pfs.fuse.cli.Launcher;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
        return Launcher.alive(pid).filter(h -> Launcher.arguments(h.pid())
                .map(args -> args.stream().anyMatch(a -> a.contains(clusterDir.toString())))
                .orElse(false));
    }

    /** A daemon just launched: its process, and where its log stood before it started. */
    record Launched(Process process, long logFrom) {
    }

    /** Starts {@code pfs args...} detached, without waiting for it. */
    Launched launch(List<String> args) throws IOException {
        return launch(List.of(), args);
    }

    /** Starts {@code pfs args...} detached with extra JVM options, without waiting for it. */
    Launched launch(List<String> jvmOptions, List<String> args) throws IOException {
        Files.createDirectories(pidFile.getParent());
        Files.createDirectories(log.getParent());
        long from = Files.exists(log) ? Files.size(log) : 0;
        List<String> cmd = new ArrayList<>();
        cmd.add("setsid");
        List<String> self = Launcher.selfPrefix();
        cmd.add(self.get(0));
        cmd.addAll(jvmOptions);
        cmd.addAll(self.subList(1, self.size()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true)
                .start();
        Files.writeString(pidFile, p.pid() + "\n");
        return new Launched(p, from);
    }

    /**
     * Waits until a launched daemon is ready.
     *
     * @param readyLine a line the daemon prints once it serves (searched in what it logged since it was launched), or null
     * @param ready     what else must hold, checked while the process lives
     * @throws IOException when it exits or is not ready within {@code timeout}, with its log's last lines
     */
    void awaitReady(Launched launched, String readyLine, BooleanSupplier ready, Duration timeout)
            throws IOException, InterruptedException {
        Process p = launched.process();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if ((readyLine == null || logSince(launched.logFrom()).contains(readyLine)) && ready.getAsBoolean()) {
                return;
            }
            if (!p.isAlive()) {
                Files.deleteIfExists(pidFile);
                throw new IOException(name + " exited with " + p.exitValue() + "; " + log + " ends:\n" + tail(5));
            }
            p.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS);
        }
        throw new IOException(name + " (pid " + p.pid() + ") not ready after " + timeout.toSeconds() + " s; see " + log);
    }

    /** {@link #launch} and {@link #awaitReady}. */
    void start(List<String> args, String readyLine, BooleanSupplier ready, Duration timeout)
            throws IOException, InterruptedException {
        awaitReady(launch(args), readyLine, ready, timeout);
    }

    /**
     * Stops the daemon: SIGTERM, then SIGKILL if it has not exited within {@code timeout}.
     *
     * @return false when it was not running
     */
    boolean stop(Duration timeout) throws IOException, InterruptedException {
        return !stopAll(List.of(this), timeout).isEmpty();
    }

    /**
     * Stops several daemons at once: SIGTERM to each, then waits for all, SIGKILL to those still
     * running after {@code timeout}.
     *
     * @return those that were running
     */
    static List<DaemonProcess> stopAll(List<DaemonProcess> daemons, Duration timeout)
            throws IOException, InterruptedException {
        List<DaemonProcess> running = new ArrayList<>();
        List<ProcessHandle> handles = new ArrayList<>();
        for (DaemonProcess d : daemons) {
            Optional<ProcessHandle> h = d.running();
            if (h.isPresent()) {
                h.get().destroy();
                running.add(d);
                handles.add(h.get());
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ProcessHandle h : handles) {
            if (!awaitExit(h, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                h.destroyForcibly();
                awaitExit(h, Duration.ofSeconds(10));
            }
        }
        for (DaemonProcess d : daemons) {
            Files.deleteIfExists(d.pidFile);
        }
        return running;
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
