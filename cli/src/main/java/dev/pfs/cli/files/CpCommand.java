package dev.pfs.cli.files;

import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import dev.pfs.cli.Failures;
import dev.pfs.cli.progress.Progress;
import dev.pfs.cli.volume.Location;
import dev.pfs.cli.volume.VolumeSessions;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pfs cp}: copies files and trees between the host and volumes, in any direction. */
@Command(name = "cp", mixinStandardHelpOptions = true,
        customSynopsis = "pfs cp [-hrvV] [--host-id=N] SRC... DST",
        description = {"Copy SRC to DST, or several SRCs into the directory DST: host to volume, volume to host, "
                + "or within and between volumes.",
            "Host paths are plain paths; volume paths are VOLUME:/PATH. When DST is an existing directory, "
                    + "each SRC is copied into it under its own name; otherwise DST is the new name.",
            "Symlinks are copied as symlinks; permission bits are kept."})
public final class CpCommand extends VolumeFileCommand {
    @Parameters(arity = "2..*", paramLabel = "SRC|DST", description = "Sources, then the destination.")
    private List<String> args;

    @Option(names = {"-r", "-R", "--recursive"}, description = "Copy directories and everything in them.")
    private boolean recursive;

    @Override
    protected ExitStatus run() throws CliException {
        List<Location> sources = new ArrayList<>();
        for (String a : args.subList(0, args.size() - 1)) {
            sources.add(Location.parse(a));
        }
        Location dst = Location.parse(args.getLast());
        boolean anyVolume = dst instanceof Location.InVolume || sources.stream().anyMatch(s -> s instanceof Location.InVolume);
        if (!anyVolume) {
            throw Failures.usage("neither source nor destination is a volume path (VOLUME:/PATH); use cp(1) for host files");
        }
        try (VolumeSessions sessions = new VolumeSessions(hostId())) {
            FileTree to = tree(sessions, dst, true);
            String dstPath = path(dst);
            FileTree.Entry dstEntry = to.lstat(dstPath);
            boolean intoDirectory = dstEntry != null && dstEntry.kind() == FileTree.Kind.DIRECTORY;
            if (sources.size() > 1 && !intoDirectory) {
                throw Failures.file(dst.display() + ": ENOTDIR: copying several sources needs an existing directory");
            }
            List<FileTree> froms = new ArrayList<>();
            long total = 0;
            for (Location src : sources) {
                FileTree from = tree(sessions, src, false);
                froms.add(from);
                if (context().errIsTerminal()) {
                    total += Copier.totalBytes(from, path(src));
                }
            }
            try (Progress progress = Progress.bytes(context(), "cp", total)) {
                Copier copier = new Copier(recursive, progress);
                for (int i = 0; i < sources.size(); i++) {
                    FileTree from = froms.get(i);
                    String srcPath = path(sources.get(i));
                    String name = from.name(srcPath);
                    String target = intoDirectory && !name.isEmpty() ? to.child(dstPath, name) : dstPath;
                    refuseCopyIntoItself(from, srcPath, to, target);
                    copier.copy(from, srcPath, to, target);
                }
            }
        }
        return ExitStatus.OK;
    }

    private static void refuseCopyIntoItself(FileTree from, String src, FileTree to, String target) throws CliException {
        if (from.sameAs(to) && to.isWithin(target, src)) {
            throw Failures.file(from.display(src) + ": EINVAL: cannot copy onto or into itself (" + to.display(target) + ")");
        }
    }

    private static FileTree tree(VolumeSessions sessions, Location loc, boolean writes) throws CliException {
        return switch (loc) {
            case Location.Host h -> new HostTree();
            case Location.InVolume v -> new VolumeTree(v.volume(), sessions.get(v.volume(), writes).pfs());
        };
    }

    private static String path(Location loc) {
        return switch (loc) {
            case Location.Host h -> h.path().toString();
            case Location.InVolume v -> v.path();
        };
    }
}
