package dev.pfs.core.fs;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.core.PfsException;
import dev.pfs.core.ReplayListener;
import dev.pfs.core.journal.JournalReader;
import dev.pfs.core.layout.JournalDescriptor;
import dev.pfs.core.layout.MetaType;
import dev.pfs.core.meta.Txn;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a RO mount current: each duty cycle reads the journal header; while the RW mount stays
 * in the same journal generation it reads the records appended since the last cycle and
 * applies them, and when the RW mount has checkpointed (a new generation) it loads the
 * metaobjects, which the checkpoint wrote in place, into a new store and replays from the new
 * anchor. It never writes.
 *
 * <p>All volume reads happen without the mount's lock, so readers never wait for a reload;
 * the lock is taken only to apply records or swap in the new store. A reload that overlapped
 * another checkpoint (the header changed while it read) may hold sectors of two checkpoints:
 * it is thrown away and the next cycle starts over. One whose header did not change is
 * consistent: the sectors of a checkpoint in progress hold only changes of records of the
 * generation it replays, and replaying whole slot images in order converges.
 *
 * <p>After a replay that changed something it tells the mount's {@link ReplayListener}s which
 * inodes (all of them, {@code null}, after a reload), outside the lock.
 */
final class RoFollowerAgent {
    private static final Logger LOG = LoggerFactory.getLogger(RoFollowerAgent.class);

    private final FsState fs;
    private final MountSupport support;
    private final LongSupplier clock;
    private JournalReader reader;
    private String lastProblem;

    RoFollowerAgent(FsState fs, MountSupport support, JournalReader reader, LongSupplier clock) {
        this.fs = fs;
        this.support = support;
        this.reader = reader;
        this.clock = clock;
    }

    /** @return records applied (or 1 for a reload) */
    int doWork() {
        BlockVolume volume = support.volume();
        long polledAt = clock.getAsLong();
        try {
            JournalDescriptor.Header h = VolumeLoader.readJournalHeader(volume, support.superblock());
            if (h.generation() != reader.generation()) {
                return reload(volume, polledAt);
            }
            List<ByteBuffer> records = reader.readNew();
            Set<Long> changed;
            synchronized (fs) {
                JournalReader.apply(records, fs.store);
                changed = changedInodes(fs.store.takeDirtySectors());
                fs.mapCurrentAt(polledAt);
            }
            lastProblem = null;
            if (!records.isEmpty()) {
                tell(changed);
            }
            return records.size();
        } catch (PfsException e) {
            if (!e.getMessage().equals(lastProblem)) {
                LOG.warn("read-only mount cannot follow the journal yet: {}", e.getMessage());
                lastProblem = e.getMessage();
            }
            return 0;
        }
    }

    private int reload(BlockVolume volume, long polledAt) throws PfsException {
        VolumeLoader.Loaded l = VolumeLoader.load(volume, null);
        JournalDescriptor.Header after = VolumeLoader.readJournalHeader(volume, l.superblock());
        if (!after.equals(l.header())) {
            LOG.debug("a checkpoint ran while reloading (generation {} -> {}); reloading again",
                    l.header().generation(), after.generation());
            return 0;
        }
        l.store().takeDirtySectors();
        synchronized (fs) {
            fs.adopt(l.store(), new DataPath(l.store(), volume, () -> BlockVolume.NO_EPOCH));
            fs.mapCurrentAt(polledAt);
        }
        support.superblock(l.superblock());
        reader = l.reader();
        lastProblem = null;
        tell(null);
        return 1;
    }

    private void tell(Set<Long> changed) {
        for (ReplayListener l : fs.replayListeners) {
            l.changed(changed);
        }
    }

    /** @return the inode numbers of every inode slot in a changed inode sector */
    private static Set<Long> changedInodes(Set<Txn.Key> sectors) {
        Set<Long> out = new HashSet<>();
        for (Txn.Key k : sectors) {
            if (k.type() == MetaType.INODE) {
                for (long id = k.id(); id < k.id() + MetaType.INODE.slotsPerSector(); id++) {
                    out.add(id + 1);
                }
            }
        }
        return out;
    }
}
