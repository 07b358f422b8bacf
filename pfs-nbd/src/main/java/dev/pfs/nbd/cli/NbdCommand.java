package dev.pfs.nbd.cli;

import dev.pfs.common.volume.FileVolume;
import dev.pfs.nbd.NbdExport;
import dev.pfs.nbd.NbdServer;
import dev.pfs.nbd.TlsMode;
import dev.pfs.nbd.transmission.TransmissionLimits;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pfs nbd}: exports a volume over NBD until SIGTERM. Exit codes (those of {@code pfs}):
 * 0 after a clean shutdown, 2 for bad options, 1 when it cannot start (no such volume, port in
 * use, unreadable certificate).
 */
@Command(name = "nbd", mixinStandardHelpOptions = true,
        description = {"Export a volume (a volume file or block device) over NBD until SIGTERM.",
            "Clients: nbdinfo, nbdcopy, nbdfuse, qemu-img/qemu-io (nbd://HOST:PORT/EXPORT), fio's nbd engine."})
public final class NbdCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "VOLUME", description = "Volume file or block device to export.")
    Path volume;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:10809",
            description = "TCP address (default: ${DEFAULT-VALUE}; port 0 picks one).")
    String listen;

    @Option(names = "--unix", paramLabel = "PATH", description = "Listen on this Unix socket instead of TCP.")
    Path unix;

    @Option(names = "--export", paramLabel = "NAME", defaultValue = "",
            description = "Export name (default: the empty name, which every client gets by default).")
    String exportName;

    @Option(names = "--description", paramLabel = "TEXT", defaultValue = "",
            description = "Export description shown by nbdinfo.")
    String description;

    @Option(names = "--read-only", description = "Refuse writes, trims and zeroing (EPERM).")
    boolean readOnly;

    @Option(names = "--tls", paramLabel = "off|on|require",
            description = "TLS: off, on (clients may upgrade) or require (default: on with --tls-cert, else off).")
    String tls;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "Server certificate chain (PEM).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "Server private key (PEM, PKCS#8).")
    Path tlsKey;

    @Option(names = "--io-threads", paramLabel = "N", description = "Event loops (default: one per core).")
    Integer ioThreads;

    @Option(names = "--volume-threads", paramLabel = "N", defaultValue = "8",
            description = "Threads doing the volume file's I/O, the most requests in the kernel at once; "
                    + "0 runs it on the event loops, which suits --buffered (default: ${DEFAULT-VALUE}).")
    int volumeThreads;

    @Option(names = "--buffered", description = "Go through the page cache instead of O_DIRECT (flush still fdatasyncs).")
    boolean buffered;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Settings checked before anything is opened. */
    private record Settings(SocketAddress address, TlsMode tlsMode, int ioThreads) {
    }

    private Settings settings() {
        TlsMode mode;
        if (tls == null) {
            mode = tlsCert != null ? TlsMode.ON : TlsMode.OFF;
        } else {
            try {
                mode = TlsMode.valueOf(tls.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--tls: '" + tls + "' is not one of off, on, require", e);
            }
        }
        if (mode != TlsMode.OFF && (tlsCert == null || tlsKey == null)) {
            throw new IllegalArgumentException("--tls " + tls + " needs --tls-cert and --tls-key");
        }
        if (mode == TlsMode.OFF && (tlsCert != null || tlsKey != null)) {
            throw new IllegalArgumentException("--tls-cert/--tls-key given with --tls off");
        }
        if (volumeThreads < 0 || volumeThreads > 256) {
            throw new IllegalArgumentException("--volume-threads: " + volumeThreads + " is not in 0..256");
        }
        int loops = ioThreads == null ? Runtime.getRuntime().availableProcessors() : ioThreads;
        if (loops < 1 || loops > 256) {
            throw new IllegalArgumentException("--io-threads: " + loops + " is not in 1..256");
        }
        SocketAddress address = unix != null ? new DomainSocketAddress(unix.toFile()) : tcp(listen);
        return new Settings(address, mode, loops);
    }

    private static InetSocketAddress tcp(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("--listen: '" + hostPort + "' is not HOST:PORT");
        }
        try {
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(hostPort.substring(0, colon), port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--listen: port in '" + hostPort + "' is not 0..65535", e);
        }
    }

    @Override
    public Integer call() throws Exception {
        Settings settings;
        try {
            settings = settings();
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("pfs nbd: " + e.getMessage());
            return 2;
        }
        if (LoggerFactory.getLogger("dev.pfs.nbd") instanceof ch.qos.logback.classic.Logger log
                && !log.isInfoEnabled()) {
            log.setLevel(ch.qos.logback.classic.Level.INFO);
        }
        FileVolume file;
        SslContext ssl;
        NbdServer server;
        try {
            ssl = settings.tlsMode() == TlsMode.OFF ? null : SslContextBuilder.forServer(tlsCert.toFile(), tlsKey.toFile()).build();
            file = FileVolume.open(volume, !buffered, volumeThreads);
        } catch (IOException | IllegalArgumentException e) {
            spec.commandLine().getErr().println("pfs nbd: cannot start: " + e.getMessage());
            return 1;
        }
        try {
            if (unix != null) {
                Files.deleteIfExists(unix);
            }
            server = NbdServer.start(new NbdExport(exportName, description, file, readOnly),
                    new NbdServer.Options(settings.address(), settings.tlsMode(), ssl, settings.ioThreads(),
                            TransmissionLimits.DEFAULT));
        } catch (Exception e) {
            file.close();
            spec.commandLine().getErr().println("pfs nbd: cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            file.close();
            stopped.countDown();
        }, "pfs-nbd-shutdown"));
        // One line on stdout that scripts and tests wait for.
        System.out.println("nbd ready listen=" + describe(server.address()) + " export=" + exportName
                + " size=" + file.size() + " tls=" + settings.tlsMode().name().toLowerCase(java.util.Locale.ROOT)
                + (file.isDirect() ? " o_direct" : ""));
        System.out.flush();
        stopped.await();
        return 0;
    }

    private static String describe(SocketAddress a) {
        if (a instanceof InetSocketAddress inet) {
            return inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return a instanceof DomainSocketAddress d ? "unix:" + d.path() : a.toString();
    }

    /** Runs {@code pfs nbd} without the {@code pfs} launcher (the system tests do). */
    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "dev/pfs/nbd/logback-nbd.xml");
        }
        System.exit(new CommandLine(new NbdCommand()).execute(args));
    }
}
