package dev.pfs.cli.admin;

import dev.pfs.cli.BaseCommand;
import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import dev.pfs.cli.Failures;
import dev.pfs.cli.progress.Progress;
import dev.pfs.cli.volume.SizeConverter;
import dev.pfs.cli.volume.VolumeSession;
import dev.pfs.common.config.ByteSize;
import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.VolumeInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pfs mkfs}: formats a volume file, creating it when missing. */
@Command(name = "mkfs", mixinStandardHelpOptions = true,
        description = {"Format VOLUME as an empty pfs file system.",
            "A missing VOLUME is created as a sparse file of --size bytes. An existing pfs volume, "
                    + "or a file holding other data, is only overwritten with --force."})
public final class MkfsCommand extends BaseCommand {
    /** Bytes at the start of an existing file that must be zero to format it without --force. */
    private static final int PROBE_BYTES = 64 * 1024;

    @Parameters(index = "0", paramLabel = "VOLUME", description = "Volume file or block device.")
    private Path volume;

    @Option(names = "--size", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Size of a new volume file (4G, 512M, bytes); for an existing one, with --force, resizes it.")
    private Long size;

    @Option(names = "--chunk-size", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Bytes per chunk (default: 10G, the paper's).")
    private Long chunkSize;

    @Option(names = "--max-hosts", paramLabel = "N", defaultValue = "" + MkfsOptions.DEFAULT_MAX_HOSTS,
            description = "Hosts that may ever mount the volume: slots in the paxos file (default: ${DEFAULT-VALUE}).")
    private int maxHosts;

    @Option(names = {"-f", "--force"}, description = "Overwrite an existing pfs volume or other data.")
    private boolean force;

    @Override
    protected ExitStatus run() throws CliException {
        if (size != null && size % BlockVolume.SECTOR_SIZE != 0) {
            throw Failures.usage("--size " + size + " is not a multiple of " + BlockVolume.SECTOR_SIZE + " bytes");
        }
        if (maxHosts < 1) {
            throw Failures.usage("--max-hosts " + maxHosts + " must be at least 1");
        }
        MkfsOptions options = new MkfsOptions(chunkSize != null ? chunkSize : MkfsOptions.DEFAULT_CHUNK_SIZE, maxHosts);
        boolean created = !Files.exists(volume);
        FileVolume vol = created ? create() : openExisting();
        boolean formatted = false;
        try (vol) {
            Progress.whileRunning(context(), "mkfs " + volume, () -> {
                Pfs.mkfs(vol, options);
                return null;
            });
            VolumeInfo info = Pfs.info(vol);
            formatted = true;
            out().printf("%s: formatted: %s, %d chunk(s) of %s, %d blocks of %d B, %d inodes, uuid %s%n",
                    volume, ByteSize.human(info.volumeSize()), info.chunks(),
                    ByteSize.human(info.chunkSize()), info.totalBlocks(), info.blockSize(),
                    info.totalInodes(), info.uuid());
            return ExitStatus.OK;
        } catch (PfsException e) {
            throw new CliException(ExitStatus.FILE_ERROR, volume + ": mkfs failed: " + e.getMessage(), e);
        } finally {
            if (created && !formatted) {
                deleteQuietly();
            }
        }
    }

    private FileVolume create() throws CliException {
        if (size == null) {
            throw Failures.usage(volume + " does not exist: give --size to create it (e.g. --size 4G)");
        }
        try {
            return FileVolume.create(volume, size);
        } catch (IOException e) {
            throw new CliException(ExitStatus.FILE_ERROR, volume + ": cannot create volume file: " + e.getMessage(), e);
        }
    }

    private FileVolume openExisting() throws CliException {
        FileVolume vol = VolumeSession.openVolume(volume);
        try {
            refuseToOverwrite(vol);
            if (size != null && size != vol.size()) {
                if (!force) {
                    throw Failures.usage(volume + " is " + vol.size() + " bytes but --size asks for " + size
                            + ": add --force to resize it (erasing it), or use 'pfs growfs'");
                }
                VolumeException.await(vol.resize(size));
            }
            return vol;
        } catch (CliException | RuntimeException e) {
            vol.close();
            throw e;
        } catch (VolumeException e) {
            vol.close();
            throw new CliException(ExitStatus.FILE_ERROR, volume + ": cannot resize to " + size + ": " + e.getMessage(), e);
        }
    }

    /** A pfs volume, or a file that holds anything but zeros at its start, needs --force. */
    private void refuseToOverwrite(FileVolume vol) throws CliException {
        if (force) {
            try {
                Pfs.refuseIfMounted(vol);
            } catch (PfsException e) {
                throw Failures.file(volume + ": " + e.getMessage());
            }
            return;
        }
        VolumeInfo existing;
        try {
            existing = Pfs.info(vol);
        } catch (PfsException e) {
            existing = null;
        }
        if (existing != null) {
            throw Failures.file(volume + ": already holds a pfs volume (uuid " + existing.uuid() + ", "
                    + ByteSize.human(existing.volumeSize()) + "): add --force to erase it");
        }
        if (!startsWithZeros(vol)) {
            throw Failures.file(volume + ": holds data that is not a pfs volume: add --force to erase it");
        }
    }

    private static boolean startsWithZeros(FileVolume vol) throws CliException {
        int n = (int) Math.min(PROBE_BYTES, vol.size());
        ByteBuffer buf = ByteBuffer.allocateDirect(n);
        try {
            VolumeException.await(vol.read(0, buf));
        } catch (VolumeException e) {
            throw new CliException(ExitStatus.BAD_VOLUME, vol.path() + ": cannot read: " + e.getMessage(), e);
        }
        buf.flip();
        while (buf.hasRemaining()) {
            if (buf.get() != 0) {
                return false;
            }
        }
        return true;
    }

    private void deleteQuietly() {
        try {
            Files.deleteIfExists(volume);
        } catch (IOException e) {
            err().println("pfs mkfs: could not remove the half-made " + volume + ": " + e.getMessage());
        }
    }
}
