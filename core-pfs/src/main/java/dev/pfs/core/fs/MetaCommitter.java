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

/**
 * Makes metadata durable for a RW mount. Changes accumulate in one open transaction; a commit
 * first flushes the volume if file data was written since the last flush (so data is durable
 * before any block tag or size that exposes it), then appends the transaction to the journal
 * with FUA. When half the journal is used, a checkpoint writes every changed metaobject sector
 * in place, flushes, and starts a new journal generation whose anchor is published.
 */
final class MetaCommitter {
    private final MetaStore store;
    private final BlockVolume volume;
    private final JournalWriter writer;
    private final LongSupplier epoch;
    private final LongConsumer anchorPublisher;
    private Txn pending;
    private final Set<Inode> lazy = new LinkedHashSet<>();
    private final Set<Long> deferredInodes = new LinkedHashSet<>();
    private boolean dataDirty;

    MetaCommitter(MetaStore store, BlockVolume volume, JournalWriter writer, LongSupplier epoch,
                  LongConsumer anchorPublisher) {
        this.store = store;
        this.volume = volume;
        this.writer = writer;
        this.epoch = epoch;
        this.anchorPublisher = anchorPublisher;
        this.pending = store.begin();
    }

    /** @return the open transaction every change goes into */
    Txn txn() {
        return pending;
    }

    /** Notes that file data was written and must be flushed before the next commit. */
    void dataWritten() {
        dataDirty = true;
    }

    /** Notes an mtime-only change, journaled with the next commit (or fsync of that file). */
    void lazy(Inode inode) {
        lazy.add(inode);
    }

    /** Notes that {@code ino}'s pending changes came from a write whose caller was already answered. */
    void deferred(long ino) {
        deferredInodes.add(ino);
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
     * Makes every pending change durable. On failure the whole open transaction is rolled back
     * in memory; {@link FailedCommit#lost()} names the inodes whose answered writes it undid.
     *
     */
    void commit() throws PfsException {
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
        try {
            flushData();
            writer.append(changes);
        } catch (VolumeException e) {
            pending.rollback();
            List<Long> lost = new ArrayList<>(deferredInodes);
            deferredInodes.clear();
            throw new FailedCommit(Errors.of(e, "committing metadata"), lost);
        }
        pending.clear();
        deferredInodes.clear();
        if (!writer.fits(writer.maxRecordBytes())) {
            checkpoint();
        }
    }

    /** Makes completed data writes durable. */
    void flushData() throws PfsException {
        if (dataDirty) {
            try {
                VolumeException.await(volume.flush());
            } catch (VolumeException e) {
                throw Errors.of(e, "flushing the volume");
            }
            dataDirty = false;
        }
    }

    /** Writes changed sectors in place and starts a new journal generation; nothing may be pending. */
    void checkpoint() throws PfsException {
        if (!pending.isEmpty()) {
            throw new IllegalStateException("checkpoint with uncommitted changes");
        }
        ChunkDescriptor g = store.geometry();
        List<long[]> sectors = new ArrayList<>();
        List<byte[]> images = new ArrayList<>();
        List<Txn.Key> keys = new ArrayList<>(store.takeDirtySectors());
        keys.sort(Comparator.comparingLong(k -> g.sectorOffset(k.type(), k.id())));
        for (Txn.Key k : keys) {
            sectors.add(new long[] {g.sectorOffset(k.type(), k.id())});
            images.add(store.encodeSector(k.type(), k.id()));
        }
        try {
            int i = 0;
            while (i < sectors.size()) {
                int j = i + 1;
                while (j < sectors.size() && j - i < 256
                        && sectors.get(j)[0] == sectors.get(j - 1)[0] + ChunkDescriptor.META_SECTOR) {
                    j++;
                }
                ByteBuffer b = ByteBuffer.allocateDirect((j - i) * ChunkDescriptor.META_SECTOR);
                for (int k = i; k < j; k++) {
                    b.put(images.get(k));
                }
                VolumeException.await(volume.write(sectors.get(i)[0], b.flip(), epoch.getAsLong(), false));
                i = j;
            }
            VolumeException.await(volume.flush());
            JournalDescriptor.Header h = writer.checkpoint();
            anchorPublisher.accept(h.generation());
        } catch (VolumeException e) {
            throw Errors.of(e, "checkpointing the journal");
        }
    }

    /** A commit that failed and was rolled back; {@link #lost()} names inodes whose answered writes were undone. */
    static final class FailedCommit extends PfsException {
        private static final long serialVersionUID = 1L;
        private final transient List<Long> lost;

        FailedCommit(PfsException cause, List<Long> lost) {
            super(cause.errno(), cause.getMessage().substring(cause.errno().name().length() + 2), cause.getCause());
            this.lost = lost;
        }

        List<Long> lost() {
            return lost;
        }
    }
}
