package dev.pfs.cli.admin;

import dev.pfs.cli.BaseCommand;
import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import dev.pfs.cli.Failures;
import dev.pfs.cli.progress.Progress;
import dev.pfs.cli.volume.HostIdMixin;
import dev.pfs.cli.volume.SizeConverter;
import dev.pfs.cli.volume.VolumeSession;
import dev.pfs.common.config.ByteSize;
import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.core.PfsException;
import dev.pfs.core.PfsStatFs;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pfs growfs}: grows the volume file (with --size) and the file system to fill it. */
@Command(name = "growfs", mixinStandardHelpOptions = true,
        description = {"Grow the file system on VOLUME to the volume's size.",
            "With --size, first grows the volume file itself (it never shrinks)."})
public final class GrowfsCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "VOLUME", description = "Volume file or block device.")
    private Path volume;

    @Option(names = "--size", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "New size of the volume file (4G, 512M, bytes).")
    private Long size;

    @Mixin
    private HostIdMixin host;

    @Override
    protected ExitStatus run() throws CliException {
        if (size != null) {
            growFile();
        }
        try (VolumeSession session = VolumeSession.mount(volume, true, host.hostId())) {
            PfsStatFs before = session.pfs().statfs();
            Progress.whileRunning(context(), "growfs " + volume, () -> {
                session.pfs().growfs();
                return null;
            });
            PfsStatFs after = session.pfs().statfs();
            out().printf("%s: grown from %s to %s (%d -> %d blocks)%n", volume,
                    ByteSize.human(before.totalBlocks() * before.blockSize()),
                    ByteSize.human(after.totalBlocks() * after.blockSize()),
                    before.totalBlocks(), after.totalBlocks());
            return ExitStatus.OK;
        } catch (PfsException e) {
            throw Failures.at(volume.toString(), e);
        }
    }

    private void growFile() throws CliException {
        if (size % BlockVolume.SECTOR_SIZE != 0) {
            throw Failures.usage("--size " + size + " is not a multiple of " + BlockVolume.SECTOR_SIZE + " bytes");
        }
        try (FileVolume vol = VolumeSession.openVolume(volume)) {
            if (size < vol.size()) {
                throw Failures.usage(volume + " is " + vol.size() + " bytes: --size " + size + " would shrink it");
            }
            if (size > vol.size()) {
                VolumeException.await(vol.resize(size));
            }
        } catch (VolumeException e) {
            throw new CliException(ExitStatus.FILE_ERROR, volume + ": cannot resize to " + size + ": " + e.getMessage(), e);
        }
    }
}
