package dev.pfs.fuse.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Starts this same program again as a detached background process (for {@code --daemon} and
 * {@code pfs cluster up} in the cli module): the same java binary, JVM options, class path and main class, with
 * new program arguments, in a new session (setsid) so that it outlives the shell.
 */
public final class Launcher {
    /**
     * JVM options the {@code pfs} script gives its short commands only (C1 alone: a status query
     * took 4.6 s with the full JIT and 1.4-1.8 s with C1, idle, and several times that under load). A daemon
     * runs for hours and needs C2, so a daemon started from a short command drops them.
     */
    static final List<String> SHORT_COMMAND_OPTIONS = List.of("-XX:TieredStopAtLevel=1");

    private Launcher() {
    }

    /**
     * @return java + JVM options + class path + main class of the running program, without the
     *         options of a short command ({@link #SHORT_COMMAND_OPTIONS})
     */
    public static List<String> selfPrefix() {
        ProcessHandle.Info info = ProcessHandle.current().info();
        String java = info.command().orElseThrow(() -> new IllegalStateException("cannot find own java binary"));
        List<String> args = arguments(ProcessHandle.current().pid())
                .orElseThrow(() -> new IllegalStateException("cannot read own arguments"));
        String mainClass = System.getProperty("sun.java.command", "").split(" ")[0];
        List<String> prefix = new ArrayList<>();
        prefix.add(java);
        for (String a : args) {
            if (SHORT_COMMAND_OPTIONS.contains(a)) {
                continue;
            }
            prefix.add(a);
            if (a.equals(mainClass)) {
                return prefix;
            }
        }
        throw new IllegalStateException("cannot find main class " + mainClass + " in own arguments");
    }

    /**
     * The arguments of process {@code pid}, without the program, from {@code /proc/PID/cmdline}:
     * {@link ProcessHandle.Info#arguments()} gives none for a long command line (a test JVM's
     * class path), where the kernel's copy is whole.
     *
     * @return its arguments, or empty when the process is gone or not readable
     */
    public static Optional<List<String>> arguments(long pid) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
        } catch (IOException e) {
            return ProcessHandle.of(pid).flatMap(h -> h.info().arguments()).map(List::of);
        }
        List<String> all = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                all.add(new String(raw, from, i - from, StandardCharsets.UTF_8));
                from = i + 1;
            }
        }
        return all.isEmpty() ? Optional.empty() : Optional.of(all.subList(1, all.size()));
    }

    /** Starts {@code selfPrefix() + programArgs} detached, output appended to {@code log}. */
    static Process startDetached(List<String> programArgs, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("setsid");
        cmd.addAll(selfPrefix());
        cmd.addAll(programArgs);
        Files.createDirectories(log.toAbsolutePath().getParent());
        return new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true)
                .start();
    }

    /** @return the last {@code n} lines of {@code log}, for a failure message */
    static String tail(Path log, int n) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(System.lineSeparator(), lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }

    /** @return the pid of a live process, if {@code pid} is one */
    public static Optional<ProcessHandle> alive(long pid) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    }
}
