package dev.pfs.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Runs {@link PfsCommand} in-process with captured stdout and stderr. */
final class CliRunner {
    private CliRunner() {
    }

    /** What one run produced. */
    record Result(int code, byte[] stdout, String err) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out() + "--- stderr\n" + err;
        }
    }

    static Result run(String... args) {
        return run(false, args);
    }

    static Result run(boolean terminal, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PfsCommand.execute(new CliContext(out, err, terminal), args);
        return new Result(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }
}
