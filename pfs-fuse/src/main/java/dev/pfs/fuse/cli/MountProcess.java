package dev.pfs.fuse.cli;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.fuse.FuseMountOptions;
import dev.pfs.fuse.HiddenFileSweeper;
import dev.pfs.fuse.PfsFuseMount;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of one mount process: open the volume, mount libpfs (RW through Disk Paxos, or RO),
 * serve it through FUSE until unmounted (pfs umount, fusermount3 -u, SIGTERM), then stop in the
 * order that keeps data: unmount FUSE (no new writes), close libpfs (flush, release the lease),
 * close the volume.
 */
final class MountProcess {
    private static final Logger LOG = LoggerFactory.getLogger(MountProcess.class);

    private final BlockVolume volume;
    private final Pfs pfs;
    private final PfsFuseMount mount;
    private boolean stopped;

    private MountProcess(BlockVolume volume, Pfs pfs, PfsFuseMount mount) {
        this.volume = volume;
        this.pfs = pfs;
        this.mount = mount;
    }

    /** Opens and mounts; on any failure releases what it took and throws with one clear message. */
    static MountProcess start(MountTarget volumePath, Path mountPoint, int hostId, FuseMountOptions options)
            throws IOException {
        BlockVolume volume;
        try {
            volume = volumePath.open(options.readOnly());
        } catch (IOException e) {
            throw new IOException("cannot open volume " + volumePath + ": " + e.getMessage(), e);
        }
        Pfs pfs = null;
        try {
            pfs = Pfs.mount(volume, options.readOnly() ? MountOptions.readOnly(hostId) : MountOptions.readWrite(hostId));
            if (pfs.isReadWrite()) {
                int swept = HiddenFileSweeper.sweep(pfs);
                if (swept > 0) {
                    LOG.info("removed {} .fuse_hidden files left by a mount that died", swept);
                }
            }
            PfsFuseMount mount = PfsFuseMount.mount(pfs, mountPoint, options);
            return new MountProcess(volume, pfs, mount);
        } catch (PfsException e) {
            closeQuietly(pfs, volume);
            throw new IOException("volume " + volumePath + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            closeQuietly(pfs, volume);
            throw e;
        }
    }

    /** @return the libpfs mount (epoch, RW or RO) */
    Pfs pfs() {
        return pfs;
    }

    /** Serves until the mount ends, then stops. */
    void serveUntilUnmounted() throws InterruptedException {
        mount.awaitUnmounted();
        stop();
    }

    /** Unmounts (lazily if busy), flushes and releases the volume. Idempotent; safe from a shutdown hook. */
    synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        mount.close();
        try {
            pfs.close();
        } catch (PfsException e) {
            LOG.error("closing libpfs failed: {}", e.getMessage(), e);
        }
        volume.close();
        LOG.info("unmounted {}", mount.mountPoint());
    }

    private static void closeQuietly(Pfs pfs, BlockVolume volume) {
        if (pfs != null) {
            try {
                pfs.close();
            } catch (PfsException e) {
                LOG.warn("closing libpfs after a failed mount: {}", e.getMessage());
            }
        }
        volume.close();
    }
}
