package dev.pfs.cli.files;

import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import dev.pfs.cli.Failures;
import dev.pfs.cli.volume.Location;
import dev.pfs.cli.volume.VolumePaths;
import dev.pfs.cli.volume.VolumeSessions;
import dev.pfs.core.FileType;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsStat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code pfs mv}: renames within one volume, atomically. */
@Command(name = "mv", mixinStandardHelpOptions = true,
        description = {"Rename SRC to DST within one volume (atomic; replaces an existing file).",
            "When DST is an existing directory, SRC moves into it."})
public final class MvCommand extends VolumeFileCommand {
    @Parameters(index = "0", paramLabel = "SRC", description = "VOLUME:/PATH to move.")
    private String source;

    @Parameters(index = "1", paramLabel = "DST", description = "VOLUME:/PATH to move it to.")
    private String destination;

    @Override
    protected ExitStatus run() throws CliException {
        Location.InVolume src = Location.parseVolumePath(source);
        Location.InVolume dst = Location.parseVolumePath(destination);
        if (!VolumeSessions.same(src.volume(), dst.volume())) {
            throw Failures.usage("mv works within one volume: " + src.volume() + " and " + dst.volume()
                    + " differ (use 'pfs cp -r' then 'pfs rm -r')");
        }
        if (src.path().equals("/")) {
            throw Failures.file(src.display() + ": cannot move the root directory");
        }
        try (VolumeSessions sessions = new VolumeSessions(hostId())) {
            Pfs pfs = sessions.get(src.volume(), true).pfs();
            PfsStat target = lstatOrNull(pfs, dst);
            Location.InVolume to = target != null && target.type() == FileType.DIRECTORY ? dst.child(src.name()) : dst;
            if (VolumePaths.isWithin(to.path(), src.path()) && !to.path().equals(src.path())) {
                throw Failures.file(src.display() + ": EINVAL: cannot move a directory into itself (" + to.display() + ")");
            }
            Location.InVolume finalTo = to;
            doAt(src, () -> pfs.rename(src.path(), finalTo.path()));
        }
        return ExitStatus.OK;
    }
}
