package dev.pfs.cli.files;

import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import dev.pfs.cli.volume.Location;
import dev.pfs.cli.volume.VolumeSessions;
import dev.pfs.core.DirEntry;
import dev.pfs.core.FileType;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsStat;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pfs ls}: lists directories of a volume. */
@Command(name = "ls", mixinStandardHelpOptions = true,
        description = "List a directory of a volume (or show a file), sorted by name.")
public final class LsCommand extends VolumeFileCommand {
    @Parameters(arity = "1..*", paramLabel = "VOLUME:/PATH", description = "What to list, e.g. v.img:/ or v.img:/src.")
    private List<String> paths;

    @Option(names = "-l", description = "Long format: mode, links, owner, group, size, modification time, name.")
    private boolean longFormat;

    @Override
    protected ExitStatus run() throws CliException {
        List<Location.InVolume> locations = new ArrayList<>();
        for (String p : paths) {
            locations.add(Location.parseVolumePath(p));
        }
        try (VolumeSessions sessions = new VolumeSessions(hostId())) {
            boolean first = true;
            for (Location.InVolume loc : locations) {
                Pfs pfs = sessions.get(loc.volume(), false).pfs();
                PfsStat st = at(loc, () -> pfs.lstat(loc.path()));
                if (st.type() != FileType.DIRECTORY) {
                    print(List.of(new Line(loc.display(), st, loc)), pfs);
                    continue;
                }
                if (locations.size() > 1) {
                    out().println((first ? "" : "\n") + loc.display() + ":");
                }
                first = false;
                List<DirEntry> entries = new ArrayList<>(at(loc, () -> pfs.readdir(loc.path())));
                entries.sort(Comparator.comparing(DirEntry::name));
                List<Line> lines = new ArrayList<>();
                for (DirEntry e : entries) {
                    Location.InVolume child = loc.child(e.name());
                    lines.add(new Line(e.name(), longFormat ? at(child, () -> pfs.lstat(child.path())) : null, child));
                }
                print(lines, pfs);
            }
        }
        return ExitStatus.OK;
    }

    private record Line(String name, PfsStat stat, Location.InVolume where) {
    }

    private void print(List<Line> lines, Pfs pfs) throws CliException {
        PrintWriter out = out();
        if (!longFormat) {
            lines.forEach(l -> out.println(l.name));
            return;
        }
        int sizeWidth = 1;
        int linkWidth = 1;
        for (Line l : lines) {
            sizeWidth = Math.max(sizeWidth, Long.toString(l.stat.size()).length());
            linkWidth = Math.max(linkWidth, Integer.toString(l.stat.nlink()).length());
        }
        for (Line l : lines) {
            String name = l.name;
            if (l.stat.type() == FileType.SYMLINK) {
                name += " -> " + at(l.where, () -> pfs.readlink(l.where.path()));
            }
            out.printf("%s %" + linkWidth + "d %d %d %" + sizeWidth + "d %s %s%n", Modes.symbolic(l.stat),
                    l.stat.nlink(), l.stat.uid(), l.stat.gid(), l.stat.size(), Modes.lsTime(l.stat.mtimeNs()), name);
        }
    }
}
