package dev.pfs.core.fs;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.core.PfsException;
import dev.pfs.core.journal.JournalWriter;
import dev.pfs.core.layout.ChunkDescriptor;
import dev.pfs.core.layout.JournalDescriptor;
import dev.pfs.core.meta.Inode;
import dev.pfs.core.meta.MetaStore;
import dev.pfs.core.meta.Txn;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes metadata durable for a RW mount. Changes accumulate in one open transaction of
 * complete operations; a commit first flushes the volume if file data was written since the
 * last flush (so data is durable before any block tag or size that exposes it), then appends
 * the transaction to the journal with FUA. When the journal is half used, a checkpoint writes
 * every changed metaobject sector in place, flushes, and starts a new journal generation whose
 * anchor is published.
 *
 * <p>Errors follow ext4/XFS: a failed flush, append or checkpoint write aborts the mount
 * ({@link MountHealth}); nothing is rolled back, since callers may have seen the changes. A
 * checkpoint forgets its dirty sectors only once they are written and flushed, and an append
 * never overwrites the journal before its anchor.
 */
final class MetaCommitter {
    private static final Logger LOG = LoggerFactory.getLogger(MetaCommitter.class);

    private final MetaStore store;
    private final BlockVolume volume;
    private final JournalWriter writer;
    private final LongSupplier epoch;
    private final LongConsumer anchorPublisher;
    private final MountHealth health;
    private final WriteErrors errors;
    private final LongSupplier clock;
    private final Txn pending;
    private final Set<Inode> lazy = new LinkedHashSet<>();
    private boolean dataDirty;

    MetaCommitter(MetaStore store, BlockVolume volume, JournalWriter writer, LongSupplier epoch,
                  LongConsumer anchorPublisher, MountHealth health, WriteErrors errors, LongSupplier clock) {
        this.store = store;
        this.volume = volume;
        this.writer = writer;
        this.epoch = epoch;
        this.anchorPublisher = anchorPublisher;
        this.health = health;
        this.errors = errors;
        this.clock = clock;
        this.pending = store.begin();
    }

    /** @return the open transaction every change goes into */
    Txn txn() {
        return pending;
    }

    /** Notes that file data of {@code ino} was written and must be flushed before the next commit. */
    void dataWritten(long ino) {
        dataDirty = true;
        errors.dataWritten(ino);
    }

    /** Notes an mtime-only change, journaled with the next commit (or fsync of that file). */
    void lazy(Inode inode) {
        lazy.add(inode);
    }

    /** @return whether the open transaction is big enough that the write path should commit it */
    boolean pendingIsLarge() {
        return pending.recordBytes() > writer.maxRecordBytes() / 2;
    }

    /** @return whether a commit has something to write beyond lazy attributes */
    boolean needsCommit() {
        return pending.needsCommit();
    }

    /**
     * Makes every pending change durable.
     *
     * @throws PfsException EIO (ENOSPC when the volume is full) if the mount is or becomes
     *     aborted, EROFS once the lease is gone; the changes stay in memory either way
     */
    void commit() throws PfsException {
        health.checkChange("commit");
        for (Inode i : lazy) {
            if (store.inode(i.ino) != null) {
                pending.includeLazily(i);
            }
        }
        lazy.clear();
        if (pending.isEmpty()) {
            flushData();
            return;
        }
        List<Txn.Change> changes = pending.changes();
        if (!writer.fits(JournalWriter.recordBytes(changes))) {
            // The journal is full: writing the sectors in place commits the pending changes too.
            checkpoint();
            return;
        }
        flushData();
        try {
            writer.append(changes);
        } catch (VolumeException e) {
            throw failure(e, "appending to the journal");
        }
        pending.clear();
        store.freesCommitted(clock.getAsLong());
        if (!writer.fits(writer.maxRecordBytes())) {
            try {
                checkpoint();
            } catch (PfsException e) {
                // The caller's record is durable: it succeeded. The mount is aborted now.
                LOG.debug("checkpoint after a commit failed", e);
            }
        }
    }

    /** Makes completed data writes durable; a failure is reported to every file the flush covered. */
    void flushData() throws PfsException {
        if (!dataDirty) {
            return;
        }
        health.checkChange("flush");
        Set<Long> covered = errors.takeUnflushed();
        dataDirty = false;
        try {
            VolumeException.await(volume.flush());
        } catch (VolumeException e) {
            errors.failed(covered);
            throw failure(e, "flushing the volume");
        }
    }

    /**
     * Writes every changed sector (pending changes included) in place, flushes, and starts a
     * new journal generation: everything in memory is durable on return.
     */
    void checkpoint() throws PfsException {
        health.checkChange("checkpoint");
        ChunkDescriptor g = store.geometry();
        List<Txn.Key> keys = new ArrayList<>(store.dirtySectors());
        keys.sort(Comparator.comparingLong(k -> g.sectorOffset(k.type(), k.id())));
        flushData();
        try {
            writeSectors(g, keys);
            VolumeException.await(volume.flush());
            JournalDescriptor.Header h = writer.checkpoint();
            store.clearDirty(keys);
            pending.clear();
            store.freesCommitted(clock.getAsLong());
            anchorPublisher.accept(h.generation());
        } catch (VolumeException e) {
            throw failure(e, "checkpointing the journal");
        }
    }

    private void writeSectors(ChunkDescriptor g, List<Txn.Key> keys) throws VolumeException {
        int i = 0;
        while (i < keys.size()) {
            long start = g.sectorOffset(keys.get(i).type(), keys.get(i).id());
            int j = i + 1;
            while (j < keys.size() && j - i < 256
                    && g.sectorOffset(keys.get(j).type(), keys.get(j).id()) == start + (long) (j - i)
                    * ChunkDescriptor.META_SECTOR) {
                j++;
            }
            ByteBuffer b = ByteBuffer.allocateDirect((j - i) * ChunkDescriptor.META_SECTOR);
            for (int k = i; k < j; k++) {
                b.put(store.encodeSector(keys.get(k).type(), keys.get(k).id()));
            }
            VolumeException.await(volume.write(start, b.flip(), epoch.getAsLong(), false));
            i = j;
        }
    }

    private PfsException failure(VolumeException e, String doing) {
        PfsException p = Errors.of(e, doing);
        health.failed(p);
        return p;
    }
}
