package dev.pfs.cli.replicated;

import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicaCompare;
import dev.pfs.chunkserver.client.ReplicaMembership;
import dev.pfs.cli.BaseCommand;
import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pfs chunk verify VOLUME}: compares every replica of every chunk; {@code pfs chunk
 * add-replica} and {@code remove-replica}: change one chunk's replicas.
 */
@Command(name = "chunk", mixinStandardHelpOptions = true, description = "Replicated chunks.",
        subcommands = {ChunkCommand.Verify.class, ChunkCommand.AddReplica.class, ChunkCommand.RemoveReplica.class})
public final class ChunkCommand extends BaseCommand {
    @Override
    protected ExitStatus run() {
        spec().commandLine().usage(out());
        return ExitStatus.USAGE;
    }

    /** {@code pfs chunk verify VOLUME}. */
    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Read every replica of every chunk of VOLUME from its server and compare SHA-256 digests.",
                "Followers apply a little behind their leader: differing replicas are read again for --settle.",
                "Exits 4 when replicas differ or cannot be read."})
    public static final class Verify extends BaseCommand {
        @Parameters(index = "0", paramLabel = "VOLUME", description = "Replicated volume name.")
        String name;

        @Option(names = "--settle", defaultValue = "10", paramLabel = "SECONDS",
                description = "How long differing replicas may take to agree (default 10).")
        int settle;

        @Mixin
        PlacementDir placements;

        @Override
        protected ExitStatus run() throws CliException, InterruptedException {
            Placement p = placements.read(name);
            List<String> diffs = ReplicaCompare.differences(p, Duration.ofSeconds(Math.max(0, settle)));
            diffs.forEach(d -> out().println("differ: " + d));
            if (diffs.isEmpty()) {
                out().println("volume " + name + ": " + p.chunks() + " chunks, replicas equal");
                return ExitStatus.OK;
            }
            out().println("volume " + name + ": " + diffs.size() + " of " + p.chunks() + " chunks differ");
            return ExitStatus.FSCK_PROBLEMS;
        }
    }

    /** What both membership commands take: the volume, the chunk, the deadline. */
    abstract static class Change extends BaseCommand {
        @Parameters(index = "0", paramLabel = "VOLUME", description = "Replicated volume name.")
        String name;

        @Parameters(index = "1", paramLabel = "CHUNK-INDEX", description = "Index of the chunk in the volume (0, 1, ...).")
        int chunk;

        @Option(names = "--timeout", defaultValue = "60", paramLabel = "SECONDS",
                description = "How long the change may take to commit (default 60).")
        int timeout;

        @Mixin
        PlacementDir placements;

        /** @return the placement after the change, which has committed */
        abstract Placement change(Placement p) throws IOException, InterruptedException;

        @Override
        protected ExitStatus run() throws CliException, InterruptedException {
            Placement p = placements.read(name);
            Placement after;
            try {
                after = change(p);
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitStatus.USAGE, e.getMessage(), e);
            } catch (IOException e) {
                throw new CliException(ExitStatus.FILE_ERROR, e.getMessage(), e);
            }
            try {
                after.write(placements.file(name));
            } catch (IOException e) {
                throw new CliException(ExitStatus.FILE_ERROR, "the change committed, but " + placements.file(name)
                        + " could not be written (chunk " + chunk + "'s replicas are now "
                        + after.replicas().get(chunk) + "): " + e.getMessage(), e);
            }
            out().println(after.describe(chunk));
            return ExitStatus.OK;
        }
    }

    /** {@code pfs chunk add-replica VOLUME CHUNK-INDEX --server ID=HOST:PORT}. */
    @Command(name = "add-replica", mixinStandardHelpOptions = true,
            description = {"Add a server to a chunk's replicas: it joins the chunk's group as a non-voter, catches up "
                + "from the leader's checkpoint and log, and votes once the change commits.",
                "Writes the volume's placement file once the change has committed."})
    public static final class AddReplica extends Change {
        @Option(names = "--server", required = true, paramLabel = "ID=HOST:PORT",
                description = "The server to add: its --server-id and data-path address.")
        String server;

        @Override
        Placement change(Placement p) throws IOException, InterruptedException {
            int eq = server.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--server " + server + ": expected ID=HOST:PORT");
            }
            int id;
            try {
                id = Integer.parseInt(server.substring(0, eq));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--server " + server + ": the id must be a number", e);
            }
            return ReplicaMembership.add(p, chunk, id, Placement.address(server.substring(eq + 1)),
                    Duration.ofSeconds(timeout));
        }
    }

    /** {@code pfs chunk remove-replica VOLUME CHUNK-INDEX --server ID}. */
    @Command(name = "remove-replica", mixinStandardHelpOptions = true,
            description = {"Remove a server from a chunk's replicas (at least two remain); its copy of the chunk "
                + "stays on it.", "Writes the volume's placement file once the change has committed."})
    public static final class RemoveReplica extends Change {
        @Option(names = "--server", required = true, paramLabel = "ID", description = "The server's --server-id.")
        int server;

        @Override
        Placement change(Placement p) throws IOException, InterruptedException {
            return ReplicaMembership.remove(p, chunk, server, Duration.ofSeconds(timeout));
        }
    }
}
