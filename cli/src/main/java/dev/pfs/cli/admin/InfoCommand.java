package dev.pfs.cli.admin;

import dev.pfs.cli.BaseCommand;
import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import dev.pfs.common.config.ByteSize;
import dev.pfs.cli.volume.VolumeSession;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.VolumeInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code pfs info}: the superblock, usage and RW holder of a volume, without mounting it. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show a volume's superblock, usage, and which host holds it read-write with what epoch.")
public final class InfoCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "VOLUME", description = "Volume file or block device.")
    private Path volume;

    @Override
    protected ExitStatus run() throws CliException {
        VolumeInfo info;
        try (FileVolume vol = VolumeSession.openVolume(volume)) {
            info = Pfs.info(vol);
        } catch (PfsException e) {
            throw VolumeSession.mountFailure(volume, e);
        }
        PrintWriter out = out();
        row(out, "volume", volume.toString());
        row(out, "uuid", info.uuid().toString());
        row(out, "format version", Integer.toString(info.formatVersion()));
        row(out, "size", ByteSize.human(info.volumeSize()) + " (" + info.volumeSize() + " bytes)");
        row(out, "chunks", info.chunks() + " x " + ByteSize.human(info.chunkSize()));
        long usedBlocks = info.totalBlocks() - info.freeBlocks();
        row(out, "blocks", String.format(Locale.ROOT, "%d used of %d (%s), %d free, %d B each",
                usedBlocks, info.totalBlocks(), percent(usedBlocks, info.totalBlocks()), info.freeBlocks(),
                info.blockSize()));
        row(out, "space", ByteSize.human(usedBlocks * info.blockSize()) + " used of "
                + ByteSize.human(info.totalBlocks() * info.blockSize()));
        long usedInodes = info.totalInodes() - info.freeInodes();
        row(out, "inodes", String.format(Locale.ROOT, "%d used of %d (%s)", usedInodes, info.totalInodes(),
                percent(usedInodes, info.totalInodes())));
        row(out, "rw holder", info.rwHostId() < 0 ? "none" : "host " + info.rwHostId()
                + (info.leaseValid() ? " (lease alive)" : " (lease expired)"));
        row(out, "epoch", Long.toString(info.epoch()));
        return ExitStatus.OK;
    }

    private static void row(PrintWriter out, String key, String value) {
        out.printf("%-15s %s%n", key + ":", value);
    }

    private static String percent(long part, long whole) {
        return whole == 0 ? "0%" : String.format(Locale.ROOT, "%.1f%%", 100.0 * part / whole);
    }
}
