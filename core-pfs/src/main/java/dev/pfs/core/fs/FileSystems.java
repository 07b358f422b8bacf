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
import dev.pfs.core.lease.LeaseClock;
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
        refuseIfMounted(volume);
        Formatter.wipeSuperblock(volume);
        Leases.format(volume, sb);
        Formatter.format(volume, sb);
        Formatter.commit(volume, sb);
        LOG.info("formatted pfs volume {}: {} bytes, {} chunks of {} bytes", sb.uuid(), sb.volumeSize(),
                new ChunkDescriptor(sb).chunks(), sb.chunkSize());
    }

    /** See {@link Pfs#refuseIfMounted}. */
    public static void refuseIfMounted(BlockVolume volume) throws PfsException {
        Superblock existing = existingSuperblock(volume);
        if (existing != null) {
            Leases.refuseLiveHolder(volume, existing);
        }
    }

    /** @return the superblock of a pfs volume, or null if there is none to read */
    private static Superblock existingSuperblock(BlockVolume volume) {
        try {
            return VolumeLoader.readSuperblock(volume);
        } catch (PfsException e) {
            return null;
        }
    }

    /**
     * How a mount keeps time and whether it runs its background threads; tests inject a clock
     * and drive the lease themselves so that a seed replays exactly.
     *
     * @param clock      monotonic nanoseconds for the lease ({@link LeaseClock#BOOTTIME})
     * @param background whether to run lease renewal and the commit tick (RW) or journal
     *                   following (RO) on threads
     * @param acquired   told when a RW mount won its lease, before it reads or writes anything
     */
    record MountHooks(LongSupplier clock, boolean background, Runnable acquired) {
        static final MountHooks DEFAULT = new MountHooks(LeaseClock.BOOTTIME, true, () -> { });
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
        if (options.reuseDelay() == null || options.reuseDelay().isNegative()) {
            throw new PfsException(Errno.EINVAL, "the block reuse delay must be zero or positive");
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
     * The lease is renewed on its own thread from the moment it is won, so a long load or a
     * slow volume cannot let it run out unnoticed; every write is checked against it.
     */
    static PfsMount mountReadWrite(BlockVolume volume, Superblock sb, MountOptions options, MountHooks hooks,
                                   java.util.function.Consumer<String> problems) throws PfsException {
        VolumeLease lease = Leases.acquire(volume, sb, options.hostId(), options.lease(), hooks.clock());
        hooks.acquired().run();
        MountHealth health = new MountHealth();
        BlockVolume guarded = GuardedVolume.leased(volume, lease::valid);
        MountSupport support = new MountSupport(guarded, lease, sb);
        Duration period = options.lease().dividedBy(20);
        if (hooks.background()) {
            support.startBackground("pfs-lease-" + options.hostId(), period, () -> renew(lease, health));
        }
        try {
            VolumeLoader.Loaded l = VolumeLoader.load(volume, problems);
            LongSupplier epoch = lease::epoch;
            JournalWriter writer = new JournalWriter(guarded, sb.journalOffset(), sb.journalSize(), epoch, l.reader());
            WriteErrors errors = new WriteErrors();
            l.store().reuseDelay(options.reuseDelay().toNanos());
            MetaCommitter committer = new MetaCommitter(l.store(), guarded, writer, epoch, anchor -> {
                try {
                    lease.publishAnchor(anchor);
                } catch (PfsException e) {
                    LOG.warn("publishing journal anchor {}: {}", anchor, e.getMessage());
                }
            }, health, errors);
            FsState fs = new FsState(l.store(), committer, new DataPath(l.store(), guarded, epoch), true, health,
                    errors, lease.epoch());
            fs.coolingClock(hooks.clock(), options.reuseDelay().toNanos());
            fs.lease = lease;
            fs.checkpoint();
            synchronized (fs) {
                fs.reclaimOrphans();
            }
            fs.awaitRequested();
            fs.checkWritable("mount");
            LOG.info("mounted pfs volume {} read-write as host {} with epoch {} ({} journal records replayed)",
                    sb.uuid(), options.hostId(), lease.epoch(), l.replayed());
            PfsMount m = new PfsMount(fs, support);
            if (hooks.background()) {
                support.startBackground("pfs-commit-" + options.hostId(), period, () -> tick(fs));
            }
            return m;
        } catch (PfsException | RuntimeException e) {
            support.stopBackground();
            lease.release();
            throw e;
        }
    }

    /** The lease thread's duty cycle: renews, and fences the mount once the lease is lost. Takes no lock. */
    private static int renew(VolumeLease lease, MountHealth health) {
        try {
            return lease.renewIfDue();
        } catch (PfsException e) {
            health.fence("this host lost the volume's RW lease: " + e.getMessage());
            return 0;
        }
    }

    /** The commit tick: makes waiting creates and attributes durable; a failure aborts the mount. */
    private static int tick(FsState fs) {
        try {
            fs.commitPending();
            return 1;
        } catch (PfsException e) {
            LOG.debug("background commit failed: {}", e.getMessage());
            return 0;
        }
    }

    private static Pfs mountReadOnly(BlockVolume raw, MountOptions options, MountHooks hooks)
            throws PfsException {
        BlockVolume volume = GuardedVolume.readOnly(raw);
        VolumeLoader.Loaded l = VolumeLoader.load(volume, null);
        l.store().takeDirtySectors();
        FsState fs = new FsState(l.store(), null, new DataPath(l.store(), volume, () -> BlockVolume.NO_EPOCH), false,
                new MountHealth(), new WriteErrors(), 0);
        fs.trustMap(hooks.clock(), options.lease().toNanos() - options.lease().toNanos() / 4);
        MountSupport support = new MountSupport(volume, null, l.superblock());
        RoFollowerAgent follower = new RoFollowerAgent(fs, support, l.reader(), hooks.clock());
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
