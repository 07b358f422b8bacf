package dev.pfs.core.fs;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.core.Errno;
import dev.pfs.core.FsckReport;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.VolumeInfo;
import dev.pfs.core.journal.JournalWriter;
import dev.pfs.core.layout.ChunkDescriptor;
import dev.pfs.core.layout.MetaType;
import dev.pfs.core.layout.Superblock;
import dev.pfs.core.lease.Leases;
import dev.pfs.core.lease.VolumeLease;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Entry points behind {@link Pfs}'s static methods. */
public final class FileSystems {
    private static final Logger LOG = LoggerFactory.getLogger(FileSystems.class);

    private FileSystems() {
    }

    /** See {@link Pfs#mkfs}. */
    public static void mkfs(BlockVolume volume, MkfsOptions options) throws PfsException {
        Superblock sb = Formatter.plan(volume.size(), options, Leases.regionSize(options.maxHosts()));
        Formatter.wipeSuperblock(volume);
        Leases.format(volume, sb);
        Formatter.format(volume, sb);
        Formatter.commit(volume, sb);
        LOG.info("formatted pfs volume {}: {} bytes, {} chunks of {} bytes", sb.uuid(), sb.volumeSize(),
                new ChunkDescriptor(sb).chunks(), sb.chunkSize());
    }

    /**
     * How a mount keeps time and whether it runs its background thread; tests inject a clock
     * and drive the lease themselves so that a seed replays exactly.
     *
     * @param clock      monotonic nanoseconds for the lease
     * @param background whether to run lease renewal (RW) or journal following (RO) on a thread
     * @param acquired   told when a RW mount won its lease, before it reads or writes anything
     */
    record MountHooks(LongSupplier clock, boolean background, Runnable acquired) {
        static final MountHooks DEFAULT = new MountHooks(System::nanoTime, true, () -> { });
    }

    /** See {@link Pfs#mount}. */
    public static Pfs mount(BlockVolume volume, MountOptions options) throws PfsException {
        return mount(volume, options, MountHooks.DEFAULT);
    }

    static Pfs mount(BlockVolume volume, MountOptions options, MountHooks hooks) throws PfsException {
        if (options.lease().isNegative() || options.lease().isZero() || options.roPollPeriod().isNegative()
                || options.roPollPeriod().isZero()) {
            throw new PfsException(Errno.EINVAL, "lease and RO poll period must be positive");
        }
        Superblock sb = VolumeLoader.readSuperblock(volume);
        if (options.hostId() < 0 || options.hostId() >= sb.maxHosts()) {
            throw new PfsException(Errno.EINVAL, "host id " + options.hostId() + " is outside 0.."
                    + (sb.maxHosts() - 1) + " (the volume's paxos file has " + sb.maxHosts() + " slots)");
        }
        return options.readWrite() ? mountReadWrite(volume, sb, options, hooks, null)
                : mountReadOnly(volume, options, hooks);
    }

    /**
     * Mounts RW; with {@code problems}, corrupt metaobjects are dropped and a corrupt journal
     * record ends replay instead of failing the mount (fsck --repair), each reported there.
     */
    static PfsMount mountReadWrite(BlockVolume volume, Superblock sb, MountOptions options, MountHooks hooks,
                                   java.util.function.Consumer<String> problems) throws PfsException {
        VolumeLease lease = Leases.acquire(volume, sb, options.hostId(), options.lease(), hooks.clock());
        hooks.acquired().run();
        try {
            VolumeLoader.Loaded l = VolumeLoader.load(volume, problems);
            LongSupplier epoch = lease::epoch;
            JournalWriter writer = new JournalWriter(volume, sb.journalOffset(), sb.journalSize(), epoch, l.reader());
            MetaCommitter committer = new MetaCommitter(l.store(), volume, writer, epoch, anchor -> {
                try {
                    lease.publishAnchor(anchor);
                } catch (PfsException e) {
                    LOG.warn("publishing journal anchor {}: {}", anchor, e.getMessage());
                }
            });
            FsState fs = new FsState(l.store(), committer, new DataPath(l.store(), volume, epoch), true);
            fs.lease = lease;
            MountSupport support = new MountSupport(volume, lease, l.superblock());
            synchronized (fs) {
                committer.checkpoint();
                fs.reclaimOrphans();
            }
            LOG.info("mounted pfs volume {} read-write as host {} with epoch {} ({} journal records replayed)",
                    sb.uuid(), options.hostId(), lease.epoch(), l.replayed());
            PfsMount m = new PfsMount(fs, support);
            if (hooks.background()) {
                Duration period = options.lease().dividedBy(20);
                support.startBackground("pfs-lease-" + options.hostId(), period, () -> renew(fs, lease));
            }
            return m;
        } catch (PfsException | RuntimeException e) {
            lease.release();
            throw e;
        }
    }

    private static int renew(FsState fs, VolumeLease lease) {
        try {
            int n = lease.renewIfDue();
            synchronized (fs) {
                fs.commitPending();
            }
            return n;
        } catch (PfsException e) {
            if (e.errno() != Errno.EROFS) {
                LOG.warn("background commit failed: {}", e.getMessage());
                return 0;
            }
            synchronized (fs) {
                if (fs.fenced == null) {
                    fs.fenced = "this host lost the volume's RW lease: " + e.getMessage();
                    LOG.error("{}", fs.fenced);
                }
            }
            return 0;
        }
    }

    private static Pfs mountReadOnly(BlockVolume volume, MountOptions options, MountHooks hooks)
            throws PfsException {
        VolumeLoader.Loaded l = VolumeLoader.load(volume, null);
        l.store().takeDirtySectors();
        FsState fs = new FsState(l.store(), null, new DataPath(l.store(), volume, () -> BlockVolume.NO_EPOCH), false);
        MountSupport support = new MountSupport(volume, null, l.superblock());
        RoFollowerAgent follower = new RoFollowerAgent(fs, support, l.reader());
        if (hooks.background()) {
            support.startBackground("pfs-ro-follow-" + options.hostId(), options.roPollPeriod(), follower::doWork);
        }
        LOG.info("mounted pfs volume {} read-only as host {}", l.superblock().uuid(), options.hostId());
        return new PfsMount(fs, support);
    }

    /** See {@link Pfs#info}. */
    public static VolumeInfo info(BlockVolume volume) throws PfsException {
        VolumeLoader.Loaded l = VolumeLoader.load(volume, null);
        Superblock sb = l.superblock();
        ChunkDescriptor g = new ChunkDescriptor(sb);
        Leases.Holder h = Leases.holder(volume, sb);
        long inodes = l.store().slots(MetaType.INODE);
        return new VolumeInfo(sb.formatVersion(), sb.uuid(), sb.volumeSize(), sb.chunkSize(), g.chunks(),
                sb.blockSize(), l.store().totalBlocks(), l.store().freeBlocks(), inodes,
                inodes - l.store().usedInodes(), h.hostId(), h.epoch(), h.leaseValid());
    }

    /** See {@link Pfs#fsck}. */
    public static FsckReport fsck(BlockVolume volume, boolean repair) throws PfsException {
        return Fsck.run(volume, repair);
    }
}
