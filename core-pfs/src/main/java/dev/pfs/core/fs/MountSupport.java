package dev.pfs.core.fs;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.core.PfsException;
import dev.pfs.core.layout.ChunkDescriptor;
import dev.pfs.core.layout.Superblock;
import dev.pfs.core.layout.SuperblockDescriptor;
import dev.pfs.core.lease.VolumeLease;
import java.time.Duration;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a mount holds besides its metadata: the volume, the RW lease, the background thread
 * (lease renewal for RW, journal tailing for RO) and growfs.
 */
final class MountSupport {
    private static final Logger LOG = LoggerFactory.getLogger(MountSupport.class);

    private final BlockVolume volume;
    private final VolumeLease lease;
    private volatile Superblock superblock;
    private final java.util.List<Thread> background = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean stopping;

    MountSupport(BlockVolume volume, VolumeLease lease, Superblock superblock) {
        this.volume = volume;
        this.lease = lease;
        this.superblock = superblock;
    }

    BlockVolume volume() {
        return volume;
    }

    long epoch() {
        return lease == null ? 0 : lease.epoch();
    }

    Superblock superblock() {
        return superblock;
    }

    void superblock(Superblock sb) {
        this.superblock = sb;
    }

    /**
     * Runs {@code work} every {@code period} on its own daemon thread until umount. The work is
     * an agent's duty cycle; the pause between cycles is a timed wait that umount interrupts.
     * Each agent has its own thread, so that lease renewal never waits for file-system work.
     */
    void startBackground(String name, Duration period, IntSupplier work) {
        background.add(Thread.ofPlatform().daemon().name(name).start(() -> {
            while (!stopping) {
                try {
                    work.getAsInt();
                } catch (RuntimeException e) {
                    LOG.warn("{}: {}", name, e.toString(), e);
                }
                synchronized (this) {
                    if (stopping) {
                        return;
                    }
                    try {
                        wait(Math.max(1, period.toMillis()));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }));
    }

    void stopBackground() {
        synchronized (this) {
            stopping = true;
            notifyAll();
        }
        for (Thread t : background) {
            if (t != Thread.currentThread()) {
                try {
                    t.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    void release() {
        if (lease != null) {
            lease.release();
        }
    }

    /** Grows the file system to the volume's size: new chunks' metaobject areas zeroed, then the superblock. */
    void growfs(FsState fs) throws PfsException {
        Superblock old = superblock;
        long newSize = volume.size() / ChunkDescriptor.META_SECTOR * ChunkDescriptor.META_SECTOR;
        if (newSize <= old.volumeSize()) {
            return;
        }
        ChunkDescriptor before = new ChunkDescriptor(old);
        Superblock sb = old.withVolumeSize(newSize);
        ChunkDescriptor after = new ChunkDescriptor(sb);
        try {
            for (int c = before.chunks(); c < after.chunks(); c++) {
                VolumeException.await(volume.writeZeroes(after.metaStart(c),
                        after.dataStart(c) - after.metaStart(c), epoch()));
            }
            VolumeException.await(volume.flush());
            VolumeException.await(volume.write(0, SuperblockDescriptor.encode(sb), epoch(), true));
        } catch (VolumeException e) {
            throw Errors.of(e, "growing the file system");
        }
        superblock = sb;
        fs.store.resize(after);
        fs.checkpoint();
        LOG.info("grew the file system from {} to {} bytes ({} chunks)", old.volumeSize(), newSize, after.chunks());
    }
}
