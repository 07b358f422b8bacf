package dev.pfs.core.fs;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.core.Errno;
import dev.pfs.core.FsckReport;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.VolumeInfo;

/** Entry points behind {@link Pfs}'s static methods. */
public final class FileSystems {
    private FileSystems() {
    }

    /** See {@link Pfs#mkfs}. */
    public static void mkfs(BlockVolume volume, MkfsOptions options) throws PfsException {
        throw new PfsException(Errno.EOPNOTSUPP, "mkfs is being written");
    }

    /** See {@link Pfs#mount}. */
    public static Pfs mount(BlockVolume volume, MountOptions options) throws PfsException {
        throw new PfsException(Errno.EOPNOTSUPP, "mount is being written");
    }

    /** See {@link Pfs#info}. */
    public static VolumeInfo info(BlockVolume volume) throws PfsException {
        throw new PfsException(Errno.EOPNOTSUPP, "info is being written");
    }

    /** See {@link Pfs#fsck}. */
    public static FsckReport fsck(BlockVolume volume, boolean repair) throws PfsException {
        throw new PfsException(Errno.EOPNOTSUPP, "fsck is being written");
    }
}
