package dev.pfs.pswitch.cli;

import dev.pfs.common.config.ByteSize;
import dev.pfs.nativeio.DeviceIo;
import dev.pfs.pswitch.ring.ChannelLayout;
import dev.pfs.pswitch.server.SwitchConfig;
import dev.pfs.pswitch.server.SwitchDaemon;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pfs switch}: runs a PolarSwitch until SIGTERM. Clients ({@code SwitchVolume}) attach
 * on its unix socket. Exit codes (those of {@code pfs}): 0 after a clean shutdown, 2 for bad
 * options, 1 when it cannot start (a backend will not open, the socket is taken).
 */
@Command(name = "switch", mixinStandardHelpOptions = true,
        description = "Run a PolarSwitch: clients attach over a unix socket and send block requests through "
                + "shared-memory rings, routed to each volume's backend.")
public final class SwitchCommand implements Callable<Integer> {
    @Option(names = "--socket", paramLabel = "PATH", defaultValue = "/run/pfs/switch.sock",
            description = "Unix socket clients attach on (default: ${DEFAULT-VALUE}).")
    Path socket;

    @Option(names = "--volume", required = true, paramLabel = "NAME=BACKEND[,owner=UID]",
            description = "A volume to serve (repeatable). BACKEND is file:PATH, replicated:PLACEMENT_FILE "
                    + "(a volume of pfs volume create) or "
                    + "chunkserver:HOST:PORT,CHUNK_SIZE,CHUNKS[,FIRST_CHUNK_ID]; the owner uid (default: this "
                    + "process's) and root may attach.")
    List<String> volumes = new ArrayList<>();

    @Option(names = "--metrics", paramLabel = "HOST:PORT|none", defaultValue = "127.0.0.1:7280",
            description = "Prometheus /metrics and /health address, or 'none' (default: ${DEFAULT-VALUE}).")
    String metrics;

    @Option(names = "--arena", paramLabel = "SIZE", defaultValue = "8M",
            description = "Data arena per client (default: ${DEFAULT-VALUE}).")
    String arena;

    @Option(names = "--max-io", paramLabel = "SIZE", defaultValue = "1M",
            description = "Largest read or write in one request (default: ${DEFAULT-VALUE}).")
    String maxIo;

    @Option(names = "--heartbeat-timeout", paramLabel = "MS", defaultValue = "5000",
            description = "Disconnect a client whose heartbeat stood still this long (default: ${DEFAULT-VALUE}).")
    long heartbeatTimeoutMillis;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** @return the validated configuration, or throws with a message naming the option */
    SwitchConfig config() {
        int owner = DeviceIo.geteuid();
        List<SwitchConfig.Volume> parsed = volumes.stream().map(v -> SwitchConfig.Volume.parse(v, owner)).toList();
        ChannelLayout d = ChannelLayout.DEFAULT;
        ChannelLayout layout;
        try {
            layout = new ChannelLayout(d.requestRingCapacity(), d.responseRingCapacity(), ByteSize.parse(arena),
                    Math.toIntExact(ByteSize.parse(maxIo)), d.maxInFlight());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("--max-io " + maxIo + " is too large", e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--arena/--max-io: " + e.getMessage(), e);
        }
        InetSocketAddress metricsAddress = null;
        if (!"none".equals(metrics)) {
            int colon = metrics.lastIndexOf(':');
            try {
                metricsAddress = new InetSocketAddress(metrics.substring(0, colon),
                        Integer.parseInt(metrics.substring(colon + 1)));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--metrics " + metrics + " is not HOST:PORT or 'none'", e);
            }
        }
        return new SwitchConfig(socket.toAbsolutePath(), parsed, layout, Duration.ofMillis(heartbeatTimeoutMillis),
                metricsAddress);
    }

    @Override
    public Integer call() throws Exception {
        SwitchConfig config;
        try {
            config = config();
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("pfs switch: " + e.getMessage());
            return 2;
        }
        if (LoggerFactory.getLogger("dev.pfs.pswitch") instanceof ch.qos.logback.classic.Logger daemonLog
                && !daemonLog.isInfoEnabled()) {
            daemonLog.setLevel(ch.qos.logback.classic.Level.INFO);
        }
        Logger log = LoggerFactory.getLogger(SwitchCommand.class);
        SwitchDaemon daemon;
        try {
            daemon = SwitchDaemon.start(config);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("pfs switch: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            log.error("cannot start: {}", e.getMessage());
            log.debug("cannot start", e);
            spec.commandLine().getErr().println("pfs switch: cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            stopped.countDown();
        }, "pfs-switch-shutdown"));
        // One line on stdout that scripts and tests wait for.
        InetSocketAddress m = daemon.metricsAddress();
        System.out.println("switch ready socket=" + daemon.socket() + " volumes=" + String.join(",", daemon.volumes())
                + (m == null ? "" : " metrics=" + m.getAddress().getHostAddress() + ":" + m.getPort()));
        System.out.flush();
        stopped.await();
        return 0;
    }

    /** Runs the switch standalone (without the {@code pfs} launcher). */
    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "dev/pfs/pswitch/logback-switch.xml");
        }
        System.exit(new CommandLine(new SwitchCommand()).execute(args));
    }
}
