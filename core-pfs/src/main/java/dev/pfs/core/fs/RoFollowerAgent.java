package dev.pfs.core.fs;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.core.PfsException;
import dev.pfs.core.ReplayListener;
import dev.pfs.core.layout.MetaType;
import dev.pfs.core.meta.Txn;
import java.util.HashSet;
import java.util.Set;
import dev.pfs.core.journal.JournalReader;
import dev.pfs.core.layout.JournalDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a RO mount current: each duty cycle reads the journal header; while the RW mount stays
 * in the same journal generation it replays the records appended since the last cycle, and
 * when the RW mount has checkpointed (a new generation) it reloads the metaobjects, which the
 * checkpoint wrote in place, and replays from the new anchor. It never writes. After a
 * replay that changed something it tells the mount's {@link ReplayListener}s which inodes.
 */
final class RoFollowerAgent {
    private static final Logger LOG = LoggerFactory.getLogger(RoFollowerAgent.class);

    private final FsState fs;
    private final MountSupport support;
    private JournalReader reader;
    private String lastProblem;

    RoFollowerAgent(FsState fs, MountSupport support, JournalReader reader) {
        this.fs = fs;
        this.support = support;
        this.reader = reader;
    }

    /** @return records applied (or 1 for a reload) */
    int doWork() {
        BlockVolume volume = support.volume();
        Set<Long> changed;
        int n;
        try {
            synchronized (fs) {
                JournalDescriptor.Header h = VolumeLoader.readJournalHeader(volume, support.superblock());
                if (h.generation() != reader.generation()) {
                    VolumeLoader.Loaded l = VolumeLoader.load(volume, null);
                    l.store().takeDirtySectors();
                    fs.adopt(l.store(), new DataPath(l.store(), volume, () -> BlockVolume.NO_EPOCH));
                    support.superblock(l.superblock());
                    reader = l.reader();
                    n = 1;
                    changed = null;
                } else {
                    n = reader.replay(fs.store);
                    changed = changedInodes(fs.store.takeDirtySectors());
                }
                lastProblem = null;
            }
        } catch (PfsException e) {
            if (!e.getMessage().equals(lastProblem)) {
                LOG.warn("read-only mount cannot follow the journal yet: {}", e.getMessage());
                lastProblem = e.getMessage();
            }
            return 0;
        }
        if (n > 0) {
            for (ReplayListener l : fs.replayListeners) {
                l.changed(changed);
            }
        }
        return n;
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
