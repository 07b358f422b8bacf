package dev.pfs.cli.files;

import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import dev.pfs.cli.Failures;
import dev.pfs.cli.volume.Location;
import dev.pfs.cli.volume.VolumeSessions;
import dev.pfs.core.DirEntry;
import dev.pfs.core.FileType;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsStat;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pfs rm}: removes files (and with -r directory trees) from a volume. */
@Command(name = "rm", mixinStandardHelpOptions = true,
        description = "Remove files from a volume; with -r, directories and everything in them.")
public final class RmCommand extends VolumeFileCommand {
    @Parameters(arity = "1..*", paramLabel = "VOLUME:/PATH", description = "What to remove.")
    private List<String> paths;

    @Option(names = {"-r", "-R", "--recursive"}, description = "Remove directories and their contents.")
    private boolean recursive;

    @Option(names = {"-f", "--force"}, description = "Ignore paths that do not exist.")
    private boolean force;

    @Override
    protected ExitStatus run() throws CliException {
        try (VolumeSessions sessions = new VolumeSessions(hostId())) {
            for (String p : paths) {
                Location.InVolume loc = Location.parseVolumePath(p);
                if (loc.path().equals("/")) {
                    throw Failures.file(loc.display() + ": refusing to remove the root directory");
                }
                Pfs pfs = sessions.get(loc.volume(), true).pfs();
                PfsStat st = lstatOrNull(pfs, loc);
                if (st == null) {
                    if (force) {
                        continue;
                    }
                    throw Failures.file(loc.display() + ": ENOENT: no such file or directory");
                }
                if (st.type() == FileType.DIRECTORY && !recursive) {
                    throw Failures.file(loc.display() + ": EISDIR: is a directory (use -r)");
                }
                remove(pfs, loc, st.type());
            }
        }
        return ExitStatus.OK;
    }

    private static void remove(Pfs pfs, Location.InVolume loc, FileType type) throws CliException {
        if (type != FileType.DIRECTORY) {
            doAt(loc, () -> pfs.unlink(loc.path()));
            return;
        }
        List<DirEntry> entries = at(loc, () -> pfs.readdir(loc.path()));
        for (DirEntry e : entries) {
            remove(pfs, loc.child(e.name()), e.type());
        }
        doAt(loc, () -> pfs.rmdir(loc.path()));
    }
}
