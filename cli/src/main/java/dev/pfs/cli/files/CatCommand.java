package dev.pfs.cli.files;

import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import dev.pfs.cli.Failures;
import dev.pfs.cli.volume.Location;
import dev.pfs.cli.volume.VolumeSessions;
import dev.pfs.core.FileType;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Pfs;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code pfs cat}: writes files of a volume to standard output, byte for byte. */
@Command(name = "cat", mixinStandardHelpOptions = true, description = "Write files of a volume to standard output.")
public final class CatCommand extends VolumeFileCommand {
    @Parameters(arity = "1..*", paramLabel = "VOLUME:/PATH", description = "Files to write out, in order.")
    private List<String> paths;

    @Override
    protected ExitStatus run() throws CliException {
        OutputStream raw = context().rawOut();
        out().flush();
        try (VolumeSessions sessions = new VolumeSessions(hostId())) {
            for (String p : paths) {
                Location.InVolume loc = Location.parseVolumePath(p);
                Pfs pfs = sessions.get(loc.volume(), false).pfs();
                if (at(loc, () -> pfs.stat(loc.path())).type() == FileType.DIRECTORY) {
                    throw Failures.file(loc.display() + ": EISDIR: is a directory");
                }
                long fd = at(loc, () -> pfs.open(loc.path(), OpenFlags.O_RDONLY, 0));
                try {
                    copyOut(pfs, fd, loc, raw);
                } finally {
                    doAt(loc, () -> pfs.close(fd));
                }
            }
        }
        return ExitStatus.OK;
    }

    private static void copyOut(Pfs pfs, long fd, Location loc, OutputStream raw) throws CliException {
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        byte[] bytes = new byte[buf.capacity()];
        try {
            while (true) {
                buf.clear();
                int n = at(loc, () -> pfs.read(fd, buf));
                if (n <= 0) {
                    break;
                }
                buf.flip();
                buf.get(bytes, 0, n);
                raw.write(bytes, 0, n);
            }
            raw.flush();
        } catch (IOException e) {
            throw Failures.host("standard output", e);
        }
    }
}
