package dev.pfs.cli.admin;

import dev.pfs.cli.BaseCommand;
import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import dev.pfs.cli.progress.Progress;
import dev.pfs.cli.volume.VolumeSession;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.core.FsckReport;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pfs fsck}: checks (and with --repair fixes) a volume that no host holds read-write. */
@Command(name = "fsck", mixinStandardHelpOptions = true,
        description = {"Check the file system on VOLUME: each block owned at most once, the bitmap equals "
                + "the reachable set, link counts, tree shape, journal checksums.",
            "Exits 4 when it found problems, also when --repair fixed them."})
public final class FsckCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "VOLUME", description = "Volume file or block device.")
    private Path volume;

    @Option(names = "--repair", description = "Fix what can be fixed.")
    private boolean repair;

    @Override
    protected ExitStatus run() throws CliException {
        FsckReport report;
        try (FileVolume vol = VolumeSession.openVolume(volume)) {
            report = Progress.whileRunning(context(), "fsck " + volume, () -> Pfs.fsck(vol, repair));
        } catch (PfsException e) {
            throw VolumeSession.mountFailure(volume, e);
        }
        for (String problem : report.problems()) {
            out().println("problem: " + problem);
        }
        for (String fix : report.repaired()) {
            out().println("repaired: " + fix);
        }
        String counts = report.files() + " files, " + report.dirs() + " directories, " + report.blocks() + " blocks";
        if (report.clean()) {
            out().println(volume + ": clean: " + counts);
            return ExitStatus.OK;
        }
        out().println(volume + ": " + report.problems().size() + " problem(s) found"
                + (repair ? ", " + report.repaired().size() + " repair(s) made; run fsck again to confirm" : "")
                + ": " + counts);
        return ExitStatus.FSCK_PROBLEMS;
    }
}
