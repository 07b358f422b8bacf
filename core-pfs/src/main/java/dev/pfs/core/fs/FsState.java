package dev.pfs.core.fs;

import dev.pfs.core.Errno;
import dev.pfs.core.FileType;
import dev.pfs.core.PfsException;
import dev.pfs.core.PfsStat;
import dev.pfs.core.meta.Inode;
import dev.pfs.core.meta.MetaStore;
import dev.pfs.core.meta.Txn;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state of a mounted file system and the steps several operations share: committing,
 * truncating, freeing unlinked inodes, stat. Guarded by its own monitor (every public entry
 * point of the mount synchronizes on it).
 */
final class FsState {
    /** Tags freed per transaction, so that every journal record stays small. */
    static final int FREE_BATCH = 512;

    MetaStore store;
    final MetaCommitter committer;
    PathWalker walker;
    DataPath data;
    final boolean readWrite;
    final Map<Long, Integer> openCount = new HashMap<>();
    final Set<Long> writeErrors = new HashSet<>();
    /** Told of what a RO mount's journal replay changed (see {@link RoFollowerAgent}). */
    final List<dev.pfs.core.ReplayListener> replayListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    String fenced;
    dev.pfs.core.lease.VolumeLease lease;

    FsState(MetaStore store, MetaCommitter committer, DataPath data, boolean readWrite) {
        this.committer = committer;
        this.readWrite = readWrite;
        adopt(store, data);
    }

    /** Switches to a freshly loaded store (a RO mount after the RW mount checkpointed). */
    void adopt(MetaStore newStore, DataPath newData) {
        this.store = newStore;
        this.data = newData;
        this.walker = new PathWalker(newStore, this::readLink);
    }

    static long now() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /** Fails with EROFS unless this mount may change the volume. */
    void checkWritable(String what) throws PfsException {
        if (!readWrite) {
            throw new PfsException(Errno.EROFS, what + ": the volume is mounted read-only");
        }
        if (fenced == null && lease != null && !lease.valid()) {
            fenced = "this host's RW lease ran out (epoch " + lease.epoch() + ")";
        }
        if (fenced != null) {
            throw new PfsException(Errno.EROFS, what + ": " + fenced);
        }
    }

    Txn txn() {
        return committer.txn();
    }

    /** Commits pending changes; a failed commit marks the files whose answered writes it undid. */
    void commit() throws PfsException {
        if (lease != null && !lease.valid()) {
            committer.txn().rollback();
            checkWritable("commit");
        }
        try {
            committer.commit();
        } catch (MetaCommitter.FailedCommit e) {
            writeErrors.addAll(e.lost());
            throw e;
        }
    }

    /**
     * Ends a change that may wait for the next commit (creates, attributes): commits only when
     * the open transaction grew large. Frees never wait (see {@link #commit}'s callers).
     */
    void commitIfLarge() throws PfsException {
        if (committer.pendingIsLarge()) {
            commit();
        }
    }

    /** Commits what waits, if anything (the RW mount's background tick). */
    void commitPending() throws PfsException {
        if (readWrite && fenced == null && committer.needsCommit()) {
            commit();
        }
    }

    /** @return an inode that must exist */
    Inode inode(long ino) throws PfsException {
        Inode i = store.inode(ino);
        if (i == null) {
            throw new PfsException(Errno.ESTALE, "inode " + ino + " is gone");
        }
        return i;
    }

    String readLink(Inode link) throws PfsException {
        ByteBuffer b = ByteBuffer.allocate((int) link.size);
        data.read(link, b, 0);
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    PfsStat stat(Inode i) {
        long blocks = (long) store.blocks(i.ino).size() * data.blockSize() / 512;
        return new PfsStat(i.ino, i.mode, i.nlink, i.uid, i.gid, i.size, blocks, 4096, i.atimeNs, i.mtimeNs,
                i.ctimeNs, i.rdev);
    }

    /**
     * Sets the size of a regular file, durably. Shrinking frees whole blocks past the end in
     * bounded transactions (the size first, so a crash in between leaves only unreachable
     * blocks past the end, which mount frees); growing zeroes the old last block's tail.
     */
    void truncate(Inode i, long length) throws PfsException {
        if (length > i.size) {
            data.zero(i, i.size, Math.min(length, (i.size + data.blockSize() - 1) / data.blockSize() * data.blockSize()));
            committer.dataWritten();
        }
        long now = now();
        txn().touchInode(i);
        i.size = length;
        i.mtimeNs = now;
        i.ctimeNs = now;
        freeBlocksFrom(i, (length + data.blockSize() - 1) / data.blockSize());
    }

    /** Frees every block of {@code i} at index {@code >= first} (committing in batches) and commits. */
    void freeBlocksFrom(Inode i, long first) throws PfsException {
        while (true) {
            List<Long> tags = new ArrayList<>(store.blocks(i.ino).tailMap(first, true).values());
            int n = Math.min(FREE_BATCH, tags.size());
            for (int k = tags.size() - n; k < tags.size(); k++) {
                store.freeTag(txn(), tags.get(k));
            }
            commit();
            if (tags.size() <= FREE_BATCH) {
                return;
            }
        }
    }

    /** Frees an inode with no names left once nobody has it open; commits. */
    void releaseIfUnused(Inode i) throws PfsException {
        if (i.nlink > 0 || openCount.getOrDefault(i.ino, 0) > 0 || store.inode(i.ino) == null) {
            commit();
            return;
        }
        freeBlocksFrom(i, 0);
        if (i.type() == FileType.DIRECTORY && !store.entries(i.ino).isEmpty()) {
            throw new PfsException(Errno.EIO, "freeing directory inode " + i.ino + " that still has entries");
        }
        store.freeInode(txn(), i);
        commit();
    }

    /** Frees inodes left without names (a crash between unlink and free) and blocks past the end. */
    void reclaimOrphans() throws PfsException {
        List<Inode> all = new ArrayList<>(store.inodes().values());
        for (Inode i : all) {
            if (i.nlink == 0) {
                releaseIfUnused(i);
                continue;
            }
            long first = (i.size + data.blockSize() - 1) / data.blockSize();
            boolean leftover = false;
            for (Long t : store.blocks(i.ino).tailMap(first, true).values()) {
                leftover |= !store.unwritten(t);
            }
            if (leftover) {
                freeBlocksFrom(i, first);
            }
        }
    }
}
