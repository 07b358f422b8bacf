package dev.pfs.chunkserver.system;

import dev.pfs.chunkserver.cli.ChunkServerCommand;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A chunkserver in its own JVM, started like the daemon, stopped gently or with kill -9. */
public final class ChunkServerProcess implements AutoCloseable {
    private final Process process;
    private final InetSocketAddress address;

    /** The replication log of test servers unless a test names its own size. */
    static final String TEST_REPLICATION_LOG = "128M";

    private ChunkServerProcess(Process process, InetSocketAddress address) {
        this.process = process;
        this.address = address;
    }

    /** Starts a chunkserver on {@code dataDir} with these extra options and waits until it serves. */
    public static ChunkServerProcess start(Path dataDir, String... options) throws IOException {
        return startAt(dataDir, "127.0.0.1:0", options);
    }

    /** Starts a chunkserver listening on {@code listen} (host:port) and waits until it serves. */
    public static ChunkServerProcess startAt(Path dataDir, String listen, String... options) throws IOException {
        return startIn(List.of(), dataDir, listen, options);
    }

    /**
     * Starts a chunkserver through {@code launcher} (e.g. {@code ip netns exec NS}: a launcher
     * that execs, so that {@link #kill()} hits the JVM) and waits until it serves.
     */
    public static ChunkServerProcess startIn(List<String> launcher, Path dataDir, String listen, String... options)
            throws IOException {
        List<String> cmd = new ArrayList<>(launcher);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), ChunkServerCommand.class.getName(),
                "--data-dir", dataDir.toString(), "--listen", listen, "--metrics", "none",
                "--io-threads", "1"));
        cmd.addAll(List.of(options));
        if (!cmd.contains("--replication-log-size")) {
            // The log is written with zeros when it is created: the 1 GB default would cost
            // every test server a gigabyte of writes; tests keep far less than this in it.
            cmd.addAll(List.of("--replication-log-size", TEST_REPLICATION_LOG));
        }
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(new File(dataDir + ".log"))).start();
        CompletableFuture<InetSocketAddress> ready = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("chunkserver ready listen=")) {
                        String hostPort = line.substring("chunkserver ready listen=".length()).split(" ")[0];
                        int colon = hostPort.lastIndexOf(':');
                        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        });
        try {
            InetSocketAddress a = ready.get(60, TimeUnit.SECONDS);
            if (a == null) {
                throw new IOException("chunkserver exited with " + p.waitFor() + " before serving; see " + dataDir + ".log");
            }
            return new ChunkServerProcess(p, a);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IOException("chunkserver did not start: " + e, e);
        }
    }

    /** @return the process (for its CPU time) */
    public ProcessHandle handle() {
        return process.toHandle();
    }

    /** @return where it serves */
    public InetSocketAddress address() {
        return address;
    }

    /** kill -9: no shutdown hook, no final checkpoint. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, and waits for the exit. @return the exit code */
    public int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
