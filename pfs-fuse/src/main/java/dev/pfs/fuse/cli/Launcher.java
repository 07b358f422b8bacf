package dev.pfs.fuse.cli;

import java.io.File;
import java.io.IOException;
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
    private Launcher() {
    }

    /** @return java + JVM options + class path + main class of the running program */
    public static List<String> selfPrefix() {
        ProcessHandle.Info info = ProcessHandle.current().info();
        String java = info.command().orElseThrow(() -> new IllegalStateException("cannot find own java binary"));
        String[] args = info.arguments().orElseThrow(() -> new IllegalStateException("cannot read own arguments"));
        String mainClass = System.getProperty("sun.java.command", "").split(" ")[0];
        List<String> prefix = new ArrayList<>();
        prefix.add(java);
        for (String a : args) {
            prefix.add(a);
            if (a.equals(mainClass)) {
                return prefix;
            }
        }
        throw new IllegalStateException("cannot find main class " + mainClass + " in own arguments");
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
