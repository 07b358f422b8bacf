package dev.pfs.cli.replicated;

import dev.pfs.chunkserver.client.Placement;
import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The directory holding replicated volumes' placement files ({@code NAME.placement}), until a control plane exists. */
public final class PlacementDir {
    /** Suffix of a placement file. */
    static final String SUFFIX = ".placement";

    @Option(names = "--placement-dir", paramLabel = "DIR", defaultValue = "${env:PFS_PLACEMENT_DIR:-.pfs-volumes}",
            description = "Directory of placement files (default: $PFS_PLACEMENT_DIR, else ./.pfs-volumes).")
    Path dir;

    /** @return where volume {@code name}'s placement file lives */
    Path file(String name) {
        return dir.resolve(name + SUFFIX);
    }

    /** @return volume {@code name}'s placement, or a clear error when it does not exist or is damaged */
    Placement read(String name) throws CliException {
        try {
            return Placement.read(file(name));
        } catch (NoSuchFileException e) {
            throw new CliException(ExitStatus.BAD_VOLUME, "no replicated volume '" + name + "': " + file(name)
                    + " does not exist (create it with pfs volume create)");
        } catch (IOException e) {
            throw new CliException(ExitStatus.BAD_VOLUME, e.getMessage(), e);
        }
    }

    /** Creates the directory if needed. */
    void create() throws CliException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CliException(ExitStatus.FILE_ERROR, "cannot create " + dir + ": " + e.getMessage(), e);
        }
    }
}
