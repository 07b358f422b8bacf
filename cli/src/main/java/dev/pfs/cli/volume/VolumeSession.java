package dev.pfs.cli.volume;

import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.core.Errno;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A volume file opened and mounted for the length of one command: RW when the command
 * changes something (winning the volume through Disk Paxos), RO when it only reads. Closing
 * unmounts (flushing, releasing the RW lease) and closes the file.
 */
public final class VolumeSession implements AutoCloseable {
    private final Path file;
    private final FileVolume volume;
    private final Pfs pfs;

    private VolumeSession(Path file, FileVolume volume, Pfs pfs) {
        this.file = file;
        this.volume = volume;
        this.pfs = pfs;
    }

    /**
     * Opens a volume file without mounting it (mkfs, info, fsck, growfs).
     *
     * @throws CliException {@code BAD_VOLUME} when it is missing or cannot be opened
     */
    public static FileVolume openVolume(Path file) throws CliException {
        if (!Files.exists(file)) {
            throw new CliException(ExitStatus.BAD_VOLUME, file + ": no such volume file");
        }
        if (Files.isDirectory(file)) {
            throw new CliException(ExitStatus.BAD_VOLUME, file + ": is a directory, not a volume file");
        }
        try {
            return FileVolume.open(file, true, FileVolume.CALLER_THREAD);
        } catch (IOException e) {
            throw new CliException(ExitStatus.BAD_VOLUME, file + ": cannot open volume: " + e.getMessage(), e);
        }
    }

    /**
     * Opens and mounts a volume.
     *
     * @param readWrite whether the command changes the volume
     * @param hostId    the paxos host slot to mount as
     * @throws CliException {@code BUSY} when another host holds it RW, {@code BAD_VOLUME} when
     *                      it is missing or not a usable pfs volume
     */
    public static VolumeSession mount(Path file, boolean readWrite, int hostId) throws CliException {
        FileVolume volume = openVolume(file);
        try {
            MountOptions options = readWrite ? MountOptions.readWrite(hostId) : MountOptions.readOnly(hostId);
            return new VolumeSession(file, volume, Pfs.mount(volume, options));
        } catch (PfsException e) {
            volume.close();
            throw mountFailure(file, e);
        } catch (RuntimeException e) {
            volume.close();
            throw e;
        }
    }

    /** @return how a failed mount (or info, fsck) of {@code file} is reported */
    public static CliException mountFailure(Path file, PfsException e) {
        if (e.errno() == Errno.EBUSY) {
            return new CliException(ExitStatus.BUSY, file + ": volume busy: " + e.getMessage(), e);
        }
        return new CliException(ExitStatus.BAD_VOLUME, file + ": " + e.getMessage(), e);
    }

    /** @return the mounted file system */
    public Pfs pfs() {
        return pfs;
    }

    /** @return the volume file */
    public Path file() {
        return file;
    }

    /** Unmounts and closes the volume file; an unmount failure is reported (data may not be durable). */
    @Override
    public void close() throws CliException {
        try {
            pfs.close();
        } catch (PfsException e) {
            throw new CliException(ExitStatus.FILE_ERROR, file + ": unmount failed: " + e.getMessage(), e);
        } finally {
            volume.close();
        }
    }
}
