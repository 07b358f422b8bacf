package dev.pfs.cli.replicated;

import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.chunkserver.tls.TlsFiles;
import dev.pfs.cli.BaseCommand;
import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import dev.pfs.cli.volume.SizeConverter;
import dev.pfs.common.volume.VolumeException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pfs volume create|ls|info}: replicated volumes' placement files. */
@Command(name = "volume", mixinStandardHelpOptions = true,
        description = "Replicated volumes: where each chunk's three replicas live (a placement file per volume).",
        subcommands = {VolumeCommand.Create.class, VolumeCommand.Ls.class, VolumeCommand.Info.class})
public final class VolumeCommand extends BaseCommand {
    @Override
    protected ExitStatus run() {
        spec().commandLine().usage(out());
        return ExitStatus.USAGE;
    }

    /** {@code pfs volume create NAME --size S --servers a,b,c}. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Write the placement of a new replicated volume: its chunks spread over the servers "
                    + "given, replica sets rotating so that preferred leaders spread too.",
                "Then creates each chunk's group on its servers (a majority of each must answer), unless "
                        + "--offline: then only the file is written and no client can use the volume, since "
                        + "clients never create a group on a server that lacks it (a server whose data was "
                        + "wiped must not vote again; it returns through pfs chunk remove-replica and add-replica)."})
    public static final class Create extends BaseCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "Volume name.")
        String name;

        @Option(names = "--size", required = true, paramLabel = "SIZE", converter = SizeConverter.class,
                description = "Volume size, a multiple of the chunk size (e.g. 100G).")
        long size;

        @Option(names = "--servers", required = true, split = ",", paramLabel = "[ID=]HOST:PORT",
                description = "Chunkservers, comma-separated; without ID= the position (1, 2, ...) is the id, "
                        + "which must be the server's --server-id.")
        List<String> servers;

        @Option(names = "--chunk-size", defaultValue = "10G", paramLabel = "SIZE", converter = SizeConverter.class,
                description = "Bytes per chunk (default 10G; the servers' --chunk-size must allow it).")
        long chunkSize;

        @Option(names = "--copies", defaultValue = "3", paramLabel = "N", description = "Replicas per chunk (default 3).")
        int copies;

        @Option(names = "--mode", defaultValue = "parallel", paramLabel = "parallel|strict",
                description = "Ordering rules of the chunks' groups: parallel (ParallelRaft: writes to "
                        + "different blocks commit out of order; the default) or strict (Raft: in log order).")
        String mode;

        @Option(names = "--tls-cert", paramLabel = "FILE",
                description = "For servers that require mutual TLS: the certificate (PEM) this host's clients of "
                        + "the volume present; with --tls-key and --tls-ca, written into the placement.")
        Path tlsCert;

        @Option(names = "--tls-key", paramLabel = "FILE", description = "Its PKCS#8 private key (PEM).")
        Path tlsKey;

        @Option(names = "--tls-ca", paramLabel = "FILE", description = "The cluster CA's certificate (PEM).")
        Path tlsCa;

        @Option(names = "--volume-id", paramLabel = "N",
                description = "Volume id in the chunk ids (default: derived from the name).")
        Long volumeId;

        @Option(names = "--offline", description = "Only write the placement file; do not contact the servers.")
        boolean offline;

        @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS",
                description = "How long to wait for the servers to create the groups (default 30).")
        int timeout;

        @Mixin
        PlacementDir placements;

        @Override
        protected ExitStatus run() throws CliException {
            Map<Integer, InetSocketAddress> byId = new LinkedHashMap<>();
            try {
                for (int i = 0; i < servers.size(); i++) {
                    String s = servers.get(i).trim();
                    int eq = s.indexOf('=');
                    int id = eq < 0 ? i + 1 : Integer.parseInt(s.substring(0, eq));
                    if (byId.put(id, Placement.address(s.substring(eq + 1))) != null) {
                        throw new IllegalArgumentException("server id " + id + " given twice");
                    }
                }
                long id = volumeId != null ? volumeId : (name.hashCode() & 0x7fff_ffffL) | 1;
                Placement p = Placement.spread(name, id, size, chunkSize, byId, copies).withMode(Placement.parseMode(mode))
                        .withTls(TlsFiles.ofOptions(absolute(tlsCert), absolute(tlsKey), absolute(tlsCa)));
                placements.create();
                Path file = placements.file(name);
                if (Files.exists(file)) {
                    throw new CliException(ExitStatus.FILE_ERROR, "volume '" + name + "' exists: " + file);
                }
                if (!offline) {
                    try (ReplicatedVolume v = ReplicatedVolume.create(p, Duration.ofSeconds(Math.max(1, timeout)),
                            Duration.ofSeconds(Math.clamp(timeout, 1, 5)))) {
                        out().println("groups of volume " + name + " created on " + byId.size() + " servers ("
                                + v.size() + " bytes)");
                    }
                }
                p.write(file);
                out().println("created volume " + name + ": " + p.chunks() + " chunks of " + chunkSize + " bytes, "
                        + copies + " replicas each over servers " + byId.keySet() + ", " + mode.toLowerCase(Locale.ROOT)
                        + " mode (" + file + ")");
                return ExitStatus.OK;
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitStatus.USAGE, "pfs volume create: " + e.getMessage(), e);
            } catch (VolumeException e) {
                throw new CliException(ExitStatus.BAD_VOLUME, "pfs volume create: " + e.getMessage(), e);
            } catch (IOException e) {
                throw new CliException(ExitStatus.FILE_ERROR, "pfs volume create: " + e.getMessage(), e);
            }
        }
    }

    /** {@code pfs volume ls}. */
    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List the replicated volumes.")
    public static final class Ls extends BaseCommand {
        @Mixin
        PlacementDir placements;

        @Override
        protected ExitStatus run() throws CliException {
            if (!Files.isDirectory(placements.dir)) {
                return ExitStatus.OK;
            }
            List<String> names = new ArrayList<>();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(placements.dir, "*" + PlacementDir.SUFFIX)) {
                files.forEach(f -> names.add(f.getFileName().toString().replace(PlacementDir.SUFFIX, "")));
            } catch (IOException e) {
                throw new CliException(ExitStatus.FILE_ERROR, "cannot list " + placements.dir + ": " + e.getMessage(), e);
            }
            names.sort(null);
            for (String n : names) {
                Placement p = placements.read(n);
                out().printf("%s size=%d chunks=%d chunk_size=%d mode=%s servers=%s%n", n, p.size(), p.chunks(),
                        p.chunkSize(), modeName(p), p.servers().keySet().stream().sorted().toList());
            }
            return ExitStatus.OK;
        }
    }

    /** {@code pfs volume info NAME}. */
    @Command(name = "info", mixinStandardHelpOptions = true, description = "Show a replicated volume's chunks and servers.")
    public static final class Info extends BaseCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "Volume name.")
        String name;

        @Mixin
        PlacementDir placements;

        @Override
        protected ExitStatus run() throws CliException {
            Placement p = placements.read(name);
            out().printf("volume %s id=%d size=%d chunk_size=%d chunks=%d mode=%s%n", p.name(), p.volumeId(), p.size(),
                    p.chunkSize(), p.chunks(), modeName(p));
            p.servers().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> out().printf(
                    "server %d %s:%d%n", e.getKey(), e.getValue().getHostString(), e.getValue().getPort()));
            for (int i = 0; i < p.chunks(); i++) {
                out().printf("chunk %d id=%d replicas=%s%n", i, p.chunkId(i), p.replicas().get(i));
            }
            return ExitStatus.OK;
        }
    }

    /** @return {@code p} made absolute (the placement is read from other working directories), or null */
    private static Path absolute(Path p) {
        return p == null ? null : p.toAbsolutePath();
    }

    private static String modeName(Placement p) {
        return p.mode().name().toLowerCase(Locale.ROOT);
    }
}
