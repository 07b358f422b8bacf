package dev.pfs.cli.files;

import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import dev.pfs.cli.volume.Location;
import dev.pfs.cli.volume.VolumeSessions;
import dev.pfs.core.FileType;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsStat;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code pfs stat}: the inode of a path, as stat(1) shows it. */
@Command(name = "stat", mixinStandardHelpOptions = true,
        description = "Show the inode of a path in a volume (a final symlink is not followed).")
public final class StatCommand extends VolumeFileCommand {
    @Parameters(arity = "1..*", paramLabel = "VOLUME:/PATH", description = "What to show.")
    private List<String> paths;

    @Override
    protected ExitStatus run() throws CliException {
        try (VolumeSessions sessions = new VolumeSessions(hostId())) {
            for (String p : paths) {
                Location.InVolume loc = Location.parseVolumePath(p);
                Pfs pfs = sessions.get(loc.volume(), false).pfs();
                PfsStat st = at(loc, () -> pfs.lstat(loc.path()));
                String target = st.type() == FileType.SYMLINK ? " -> " + at(loc, () -> pfs.readlink(loc.path())) : "";
                PrintWriter out = out();
                out.printf("  File: %s%s%n", loc.display(), target);
                out.printf("  Type: %s%n", Modes.typeName(st.type()));
                out.printf("  Size: %-12d Blocks: %-10d IO Block: %d%n", st.size(), st.blocks(), st.blksize());
                out.printf(" Inode: %-12d Links: %d%n", st.ino(), st.nlink());
                out.printf("Access: (%04o/%s)  Uid: %d  Gid: %d%n", st.permissions(), Modes.symbolic(st), st.uid(), st.gid());
                out.printf("Access: %s%n", Modes.fullTime(st.atimeNs()));
                out.printf("Modify: %s%n", Modes.fullTime(st.mtimeNs()));
                out.printf("Change: %s%n", Modes.fullTime(st.ctimeNs()));
            }
        }
        return ExitStatus.OK;
    }
}
