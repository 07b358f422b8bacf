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
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pfs mkdir}: creates directories in a volume. */
@Command(name = "mkdir", mixinStandardHelpOptions = true, description = "Create directories in a volume.")
public final class MkdirCommand extends VolumeFileCommand {
    @Parameters(arity = "1..*", paramLabel = "VOLUME:/PATH", description = "Directories to create.")
    private List<String> paths;

    @Option(names = {"-p", "--parents"}, description = "Create missing parents; no error if it exists as a directory.")
    private boolean parents;

    @Option(names = {"-m", "--mode"}, paramLabel = "MODE", defaultValue = "755",
            description = "Permission bits in octal (default: ${DEFAULT-VALUE}).")
    private String mode;

    @Override
    protected ExitStatus run() throws CliException {
        int perm = parseMode(mode);
        try (VolumeSessions sessions = new VolumeSessions(hostId())) {
            for (String p : paths) {
                Location.InVolume loc = Location.parseVolumePath(p);
                Pfs pfs = sessions.get(loc.volume(), true).pfs();
                if (parents) {
                    makeParents(pfs, loc, perm);
                } else {
                    doAt(loc, () -> pfs.mkdir(loc.path(), perm));
                }
            }
        }
        return ExitStatus.OK;
    }

    private static void makeParents(Pfs pfs, Location.InVolume loc, int perm) throws CliException {
        List<String> chain = new ArrayList<>();
        for (String p = loc.path(); !p.equals("/"); p = VolumePaths.parent(p)) {
            chain.addFirst(p);
        }
        for (String p : chain) {
            Location.InVolume step = new Location.InVolume(loc.volume(), p);
            PfsStat st = lstatOrNull(pfs, step);
            if (st == null) {
                doAt(step, () -> pfs.mkdir(p, perm));
            } else if (st.type() != FileType.DIRECTORY) {
                throw Failures.file(step.display() + ": ENOTDIR: exists and is not a directory");
            }
        }
    }

    /** @return octal permission bits */
    static int parseMode(String mode) throws CliException {
        try {
            int m = Integer.parseInt(mode, 8);
            if (m < 0 || m > 07777) {
                throw Failures.usage("mode '" + mode + "' is out of range 0..7777");
            }
            return m;
        } catch (NumberFormatException e) {
            throw Failures.usage("mode '" + mode + "' is not an octal number like 755");
        }
    }
}
