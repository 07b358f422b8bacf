package dev.pfs.cli.replicated;

import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicaCompare;
import dev.pfs.cli.BaseCommand;
import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pfs chunk verify VOLUME}: compares every replica of every chunk. */
@Command(name = "chunk", mixinStandardHelpOptions = true, description = "Replicated chunks.",
        subcommands = {ChunkCommand.Verify.class})
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
}
