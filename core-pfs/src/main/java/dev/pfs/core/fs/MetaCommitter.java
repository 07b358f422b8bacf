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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Makes metadata durable for a RW mount, with group commit.
 *
 * <p>Changes accumulate in one open transaction of complete operations. <b>Sealing</b> (under
 * the metadata lock, no I/O) closes it into a numbered batch, the new images encoded at that
 * instant, and queues the batch; {@link #sealCheckpoint} instead queues a snapshot of every
 * changed metaobject sector. <b>Leading</b> ({@link #lead}, without the metadata lock) makes
 * the queue durable: one thread at a time holds the commit turn, takes every batch queued so
 * far, flushes the volume once if file data was written since the last flush (so data is
 * durable before any block tag or size that exposes it), and appends the batches as one
 * journal record with FUA. Callers that seal while a commit is in progress queue behind it and
 * are all satisfied by the next single commit. A snapshot is written once every batch queued
 * before it is journaled (the half of the journal kept free gives them room): its sectors in
 * place, a flush, and a new journal generation whose anchor is published. When the journal is
 * half used a checkpoint is due.
 *
 * <p>Errors follow ext4/XFS: a failed flush, append or checkpoint write aborts the mount
 * ({@link MountHealth}); nothing is rolled back, since callers may have seen the changes. A
 * failed checkpoint keeps its sectors for the next one, and an append never overwrites the
 * journal before its anchor.
 *
 * <p>Locks: the open transaction, {@link #lazy} and sealing belong to the holder of the
 * metadata lock; the queue, the turn and the durable number to this object's monitor (a leaf,
 * never held across I/O); the journal writer to the turn holder. The turn holder never takes
 * the metadata lock, so a caller holding it may lead (mount, umount, growfs, a nearly full
 * volume waiting for frees).
 */
final class MetaCommitter {
    /** A sealed batch of changes, or a checkpoint snapshot ({@code sectors != null}). */
    private static final class Sealed {
        final long seq;
        final List<Txn.Change> changes;
        /** Inodes whose data the batch's flush covers. */
        long[] covered;
        final List<Txn.Key> keys;
        final List<Sector> sectors;

        Sealed(long seq, List<Txn.Change> changes, long[] covered, List<Txn.Key> keys, List<Sector> sectors) {
            this.seq = seq;
            this.changes = changes;
            this.covered = covered;
            this.keys = keys;
            this.sectors = sectors;
        }
    }

    private static final long[] NO_FILES = {};

    /** A run of consecutive metaobject sectors as the snapshot encoded them. */
    private record Sector(long offset, ByteBuffer image) {
    }

    private final MetaStore store;
    private final BlockVolume volume;
    private final JournalWriter writer;
    private final LongSupplier epoch;
    private final LongConsumer anchorPublisher;
    private final MountHealth health;
    private final WriteErrors errors;
    // Under the metadata lock.
    private final Txn pending;
    private final Set<Inode> lazy = new LinkedHashSet<>();
    private long sealedSeq;
    // Under this object's monitor.
    private final ArrayDeque<Sealed> queue = new ArrayDeque<>();
    private final List<Txn.Key> unwrittenSectors = new ArrayList<>();
    private boolean leading;
    private volatile long durableSeq;
    private volatile boolean checkpointDue;

    MetaCommitter(MetaStore store, BlockVolume volume, JournalWriter writer, LongSupplier epoch,
                  LongConsumer anchorPublisher, MountHealth health, WriteErrors errors) {
        this.store = store;
        this.volume = volume;
        this.writer = writer;
        this.epoch = epoch;
        this.anchorPublisher = anchorPublisher;
        this.health = health;
        this.errors = errors;
        this.pending = store.begin();
    }

    /** @return the open transaction every change goes into (metadata lock) */
    Txn txn() {
        return pending;
    }

    /** Notes that file data of {@code ino} was written and must be flushed before the next commit. */
    void dataWritten(long ino) {
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

    /** @return whether sealed work waits for a commit, or a checkpoint is due */
    synchronized boolean hasQueued() {
        return !queue.isEmpty() || checkpointDue;
    }

    /** @return batches sealed and waiting for the commit turn (what a group commit will carry) */
    synchronized int queuedBatches() {
        return queue.size();
    }

    /** @return the number of the last sealed batch (metadata lock) */
    long sealedSeq() {
        return sealedSeq;
    }

    /** @return whether everything sealed up to {@code seq} is durable */
    boolean isDurable(long seq) {
        return durableSeq >= seq;
    }

    /** @return the number up to which every sealed batch is durable */
    long durableSeq() {
        return durableSeq;
    }

    /** @return whether the journal needs a checkpoint before it takes more records */
    boolean checkpointDue() {
        return checkpointDue;
    }

    /**
     * Closes the open transaction (with the lazy attributes if {@code withLazy}) into a queued
     * batch, together with the files whose data the batch's flush covers. Metadata lock, no I/O.
     *
     * @return the number to wait for ({@link #lead}): durable means everything before this call is
     */
    long seal(boolean withLazy) {
        if (withLazy) {
            includeLazy();
        }
        long[] covered = errors.takeUnflushed();
        if (pending.isEmpty() && covered.length == 0) {
            return sealedSeq;
        }
        Sealed s = new Sealed(++sealedSeq, pending.isEmpty() ? List.of() : pending.changes(), covered, null, null);
        pending.clear();
        enqueue(s);
        return s.seq;
    }

    /**
     * Seals the open transaction as a batch and, behind it, a snapshot of every changed
     * metaobject sector. Metadata lock, no I/O: the sectors are encoded now, written by the
     * leader only after every batch queued before the snapshot is journaled, so that what a
     * checkpoint writes in place is always durable in the journal already (a torn checkpoint
     * then leaves sectors the replay of the old generation brings back to a journaled state).
     *
     * @return the number to wait for
     */
    long sealCheckpoint() {
        seal(true);
        Set<Txn.Key> dirty = new HashSet<>(store.takeDirtySectors());
        synchronized (this) {
            dirty.addAll(unwrittenSectors);
            unwrittenSectors.clear();
            checkpointDue = false;
        }
        ChunkDescriptor g = store.geometry();
        List<Txn.Key> keys = new ArrayList<>(dirty);
        keys.sort(Comparator.comparingLong(k -> g.sectorOffset(k.type(), k.id())));
        Sealed s = new Sealed(++sealedSeq, List.of(), NO_FILES, keys, encodeSectors(g, keys));
        enqueue(s);
        return s.seq;
    }

    private void includeLazy() {
        for (Inode i : lazy) {
            if (store.inode(i.ino) != null) {
                pending.includeLazily(i);
            }
        }
        lazy.clear();
    }

    private void enqueue(Sealed s) {
        store.freesSealed(s.seq);
        synchronized (this) {
            queue.add(s);
        }
    }

    /**
     * Takes the commit turn unless everything up to {@code seq} became durable while waiting for
     * it, and makes every queued batch durable. Returns without progress when the journal needs
     * a checkpoint first ({@link #checkpointDue}); the caller seals one and leads again.
     *
     * @throws PfsException when a flush, append or checkpoint write failed: the mount is aborted
     */
    void lead(long seq) throws PfsException {
        boolean interrupted = false;
        synchronized (this) {
            while (leading && durableSeq < seq) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (durableSeq >= seq) {
                return;
            }
            leading = true;
        }
        try {
            commitQueued();
        } finally {
            synchronized (this) {
                leading = false;
                notifyAll();
            }
        }
    }

    /**
     * The turn holder's work: one flush for the data every queued batch covers, then the
     * batches as few journal records as fit, and a snapshot once the batches before it are
     * journaled. Nothing is written once the mount is aborted.
     */
    private void commitQueued() throws PfsException {
        List<Sealed> items;
        synchronized (this) {
            items = new ArrayList<>(queue);
            queue.clear();
        }
        if (items.isEmpty()) {
            return;
        }
        health.checkChange("commit");
        flush(items);
        int lastSnapshot = -1;
        for (int k = 0; k < items.size(); k++) {
            if (items.get(k).sectors != null) {
                lastSnapshot = k;
            }
        }
        int i = 0;
        while (i < items.size()) {
            if (items.get(i).sectors != null) {
                checkpoint(items.get(i));
                durableSeq = items.get(i).seq;
                i++;
                continue;
            }
            Map<Txn.Key, Txn.Change> merged = new LinkedHashMap<>();
            long bytes = JournalDescriptor.R_ENTRIES;
            int j = i;
            while (j < items.size() && items.get(j).sectors == null
                    && (j == i || bytes + bytesOf(items.get(j)) <= writer.maxRecordBytes())) {
                bytes += bytesOf(items.get(j));
                merge(merged, items.get(j));
                j++;
            }
            if (!merged.isEmpty()) {
                List<Txn.Change> changes = new ArrayList<>(merged.values());
                int len = JournalWriter.recordBytes(changes);
                boolean beforeSnapshot = i < lastSnapshot;
                if (!beforeSnapshot && !writer.fits(len)) {
                    // A checkpoint must make room: these batches are journaled just before it.
                    synchronized (this) {
                        for (int k = items.size() - 1; k >= i; k--) {
                            queue.addFirst(items.get(k));
                        }
                        checkpointDue = true;
                    }
                    return;
                }
                try {
                    writer.append(changes);
                } catch (VolumeException e) {
                    throw failure(e, "appending to the journal");
                }
            }
            durableSeq = items.get(j - 1).seq;
            i = j;
        }
        if (!writer.fits(writer.maxRecordBytes())) {
            checkpointDue = true;
        }
    }

    private static void merge(Map<Txn.Key, Txn.Change> merged, Sealed s) {
        for (Txn.Change c : s.changes) {
            merged.merge(new Txn.Key(c.type(), c.id()), c,
                    (first, later) -> new Txn.Change(first.type(), first.id(), first.oldImage(), later.newImage()));
        }
    }

    /** @return the bytes {@code s}'s changes add to a record (at most: merging drops repeats) */
    private static long bytesOf(Sealed s) {
        long n = 0;
        for (Txn.Change c : s.changes) {
            n += JournalDescriptor.ENTRY_HEADER + 2L * c.type().slotSize();
        }
        return n;
    }

    /** Flushes the volume once for the data the items cover; a failure is reported to every such file. */
    private void flush(List<Sealed> items) throws PfsException {
        List<long[]> covered = new ArrayList<>(items.size());
        for (Sealed s : items) {
            if (s.covered.length > 0) {
                covered.add(s.covered);
            }
            s.covered = NO_FILES;
        }
        if (covered.isEmpty()) {
            return;
        }
        health.checkChange("flush");
        try {
            VolumeException.await(volume.flush());
        } catch (VolumeException e) {
            Set<Long> files = new HashSet<>();
            for (long[] inos : covered) {
                for (long ino : inos) {
                    files.add(ino);
                }
            }
            errors.failed(files);
            throw failure(e, "flushing the volume");
        }
    }

    /** Writes a snapshot's sectors in place, flushes, and starts a new journal generation. */
    private void checkpoint(Sealed s) throws PfsException {
        health.checkChange("checkpoint");
        try {
            for (Sector run : s.sectors) {
                VolumeException.await(volume.write(run.offset, run.image.duplicate(), epoch.getAsLong(), false));
            }
            VolumeException.await(volume.flush());
            JournalDescriptor.Header h = writer.checkpoint();
            anchorPublisher.accept(h.generation());
        } catch (VolumeException e) {
            synchronized (this) {
                unwrittenSectors.addAll(s.keys);
            }
            throw failure(e, "checkpointing the journal");
        }
    }

    private List<Sector> encodeSectors(ChunkDescriptor g, List<Txn.Key> keys) {
        List<Sector> out = new ArrayList<>();
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
            out.add(new Sector(start, b.flip()));
            i = j;
        }
        return out;
    }

    private PfsException failure(VolumeException e, String doing) {
        PfsException p = Errors.of(e, doing);
        health.failed(p);
        return p;
    }
}
