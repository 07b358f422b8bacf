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
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The state of a mounted file system and the steps several operations share: committing,
 * truncating, freeing unlinked inodes, stat. Its monitor is the mount's <b>metadata lock</b>:
 * it guards the store, the open transaction, inode attributes and the descriptor table, and is
 * held only for in-memory work (the lock order is in {@link PfsMount}). A change that must be
 * durable before its call returns seals its transaction ({@link #commit}) under the lock and
 * waits for the group commit after releasing it ({@link #awaitRequested}).
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
    final MountHealth health;
    final WriteErrors writeErrors;
    /** Per-inode data locks, taken before the metadata lock. */
    final InodeLocks inodeLocks = new InodeLocks();
    /** The commit this thread's current call sealed and must see durable before it returns. */
    private final ThreadLocal<long[]> requested = ThreadLocal.withInitial(() -> new long[1]);
    /** Told of what a RO mount's journal replay changed (see {@link RoFollowerAgent}). */
    final List<dev.pfs.core.ReplayListener> replayListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    dev.pfs.core.lease.VolumeLease lease;
    /** Upper half of every generation this mount hands out: its epoch, unique per RW mount. */
    private final long generationBase;
    private long generations;

    FsState(MetaStore store, MetaCommitter committer, DataPath data, boolean readWrite, MountHealth health,
            WriteErrors writeErrors, long epoch) {
        this.committer = committer;
        this.readWrite = readWrite;
        this.health = health;
        this.writeErrors = writeErrors;
        this.generationBase = epoch << 32;
        adopt(store, data);
    }

    /** @return a generation no earlier file of any inode slot had: epochs grow with every RW mount */
    long nextGeneration() {
        return generationBase | (++generations & 0xffff_ffffL);
    }

    /** A RO mount's clock, and how long a block map stays trustworthy after the poll that made it. */
    private java.util.function.LongSupplier mapClock;
    private long mapTrustNanos;
    /** When the current map was known to be current (the start of the poll that made it). */
    private volatile long mapTime;

    /**
     * Makes reads check their block map's age: the RW mount reuses a freed block only a lease
     * after its free is durable, so a map younger than three quarters of that cannot name a
     * block that holds another file's data yet.
     */
    void trustMap(java.util.function.LongSupplier clock, long trustNanos) {
        this.mapClock = clock;
        this.mapTrustNanos = trustNanos;
        this.mapTime = clock.getAsLong();
    }

    /** Notes that the map reflects every commit made durable before {@code polledAt}. */
    void mapCurrentAt(long polledAt) {
        mapTime = polledAt;
    }

    /** @return the map's time, for {@link #checkMapFresh} after a read */
    long mapTime() {
        return mapTime;
    }

    /** Fails with EIO when a read through a map made at {@code madeAt} may have read a reused block. */
    void checkMapFresh(long madeAt, String what) throws PfsException {
        if (mapClock != null && mapClock.getAsLong() - madeAt >= mapTrustNanos) {
            throw new PfsException(Errno.EIO, what + ": this read-only mount has not followed the journal for "
                    + (mapClock.getAsLong() - madeAt) / 1_000_000 + " ms; its block map may name reused blocks");
        }
    }

    private java.util.function.LongSupplier coolingClock = () -> 0;
    private long reuseDelayNanos;

    /** The RW mount's clock for the block reuse delay ({@link MetaStore#reuseDelay}). */
    void coolingClock(java.util.function.LongSupplier clock, long delayNanos) {
        this.coolingClock = clock;
        this.reuseDelayNanos = delayNanos;
    }

    /**
     * Fails with ENOSPC, before anything changes, unless {@code need} blocks can be allocated.
     * When only blocks freed by commits not yet durable, or still in their reuse delay, are
     * missing, makes those commits durable (holding the lock: the rare path of a full volume)
     * and waits for the delay: at most one (bounded in real time too, should the lease clock
     * stand still).
     */
    void ensureSpace(long need, Supplier<String> what) throws PfsException {
        refreshFrees();
        if (need > store.freeBlocks() && need <= store.freeBlocks() + store.coolingBlocks() && committer != null) {
            awaitDurable(committer.sealedSeq());
            refreshFrees();
        }
        long deadline = System.nanoTime() + reuseDelayNanos;
        while (need > store.freeBlocks() && need <= store.freeBlocks() + store.coolingBlocks()
                && System.nanoTime() - deadline < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(Math.min(reuseDelayNanos / 20 + 1, 5_000_000));
            refreshFrees();
        }
        data.checkSpace(need, what);
    }

    /** Starts the delay of frees whose commit is durable and ends the delays that passed. */
    private void refreshFrees() {
        long now = coolingClock.getAsLong();
        if (committer != null) {
            store.freesDurable(committer.durableSeq(), now);
        }
        store.expireCooling(now);
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

    /** Fails with EROFS unless this mount may change the volume, EIO once it was aborted. */
    void checkWritable(String what) throws PfsException {
        if (!readWrite) {
            throw new PfsException(Errno.EROFS, what + ": the volume is mounted read-only");
        }
        if (lease != null && !lease.valid()) {
            health.fence("this host's RW lease ran out (epoch " + lease.epoch() + ")");
        }
        health.checkChange(what);
    }

    Txn txn() {
        return committer.txn();
    }

    /**
     * Ends a change that must be durable when its call returns: seals the open transaction
     * for the next group commit; the call waits for it once it released the lock
     * ({@link #awaitRequested}). A failed commit aborts (or fences) the mount and undoes nothing.
     */
    void commit() throws PfsException {
        checkWritable("commit");
        requested.get()[0] = Math.max(requested.get()[0], committer.seal(true));
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

    /**
     * Waits, without the metadata lock, until what this thread's call sealed is durable; the
     * commit of another caller may satisfy it, or this thread leads one.
     */
    void awaitRequested() throws PfsException {
        long[] r = requested.get();
        long seq = r[0];
        r[0] = 0;
        if (seq > 0) {
            awaitDurable(seq);
        }
    }

    /** Forgets what this thread's failed call sealed: the next commit of anyone carries it. */
    void dropRequest() {
        requested.get()[0] = 0;
    }

    /**
     * Waits until every batch sealed up to {@code seq} is durable, leading commits (and sealing
     * a due checkpoint) as needed. Callers normally hold no lock; holding the metadata lock is
     * allowed, since the commit turn never takes it.
     *
     * @throws PfsException EIO (ENOSPC when the volume is full) if the mount is or becomes
     *     aborted first, EROFS once the lease is gone
     */
    void awaitDurable(long seq) throws PfsException {
        while (!committer.isDurable(seq)) {
            health.checkChange("commit");
            if (committer.checkpointDue()) {
                synchronized (this) {
                    if (committer.checkpointDue()) {
                        committer.sealCheckpoint();
                    }
                }
            }
            committer.lead(seq);
        }
    }

    /**
     * Seals any pending change (or the checkpoint that is due) and waits for it, if the mount
     * has something to commit (the RW mount's background tick). Takes the metadata lock only to
     * seal.
     */
    void commitPending() throws PfsException {
        long seq;
        synchronized (this) {
            if (!readWrite || !health.healthy()
                    || (!committer.needsCommit() && !committer.hasQueued())) {
                return;
            }
            checkWritable("commit");
            seq = committer.checkpointDue() ? committer.sealCheckpoint() : committer.seal(true);
        }
        awaitDurable(seq);
    }

    /** Writes everything in memory in place and starts a new journal generation; durable on return. */
    void checkpoint() throws PfsException {
        long seq;
        synchronized (this) {
            health.checkChange("checkpoint");
            seq = committer.sealCheckpoint();
        }
        awaitDurable(seq);
    }

    /** @return the inode a descriptor opened, ESTALE if it is gone or its slot holds another file now */
    Inode inode(long ino, long generation) throws PfsException {
        Inode i = store.inode(ino);
        if (i == null || i.generation != generation) {
            throw new PfsException(Errno.ESTALE, "inode " + ino + " (generation " + generation + ") is gone");
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
            zero(i, i.size, Math.min(length, (i.size + data.blockSize() - 1) / data.blockSize() * data.blockSize()));
        }
        long now = now();
        txn().touchInode(i);
        i.size = length;
        i.mtimeNs = now;
        i.ctimeNs = now;
        freeBlocksFrom(i, (length + data.blockSize() - 1) / data.blockSize());
    }

    /**
     * A data write of {@code ino} failed: its next fsync through every descriptor reports it,
     * and a write refused for a stale epoch (another host took over) fences the mount.
     */
    void dataWriteFailed(long ino, PfsException e) {
        writeErrors.failed(ino);
        if (e.errno() == Errno.EROFS) {
            health.fence(e.getMessage());
        }
    }

    /**
     * A planned write's data is on the volume: its tags, the file size and times enter the open
     * transaction (an mtime alone rides lazily). Metadata lock.
     */
    void wrote(Inode i, DataPath.WritePlan plan, long end) {
        data.install(plan, txn());
        committer.dataWritten(i.ino);
        long now = now();
        if (end > i.size) {
            txn().touchInode(i);
            i.size = end;
        } else {
            committer.lazy(i);
        }
        i.mtimeNs = now;
        i.ctimeNs = now;
    }

    /** Zeros planned over written blocks of {@code i} are on the volume: the next flush covers them. */
    void zeroed(Inode i) {
        committer.dataWritten(i.ino);
    }

    /**
     * Seals what an fsync ({@code all}) or fdatasync of {@code i} needs: the open transaction
     * (with {@code i}'s lazy mtime for fsync) if anything but lazy attributes changed or for
     * fsync, else only a flush of the data written so far. Metadata lock.
     *
     * @return the number to {@link #awaitDurable}
     */
    long sealForSync(Inode i, boolean all) throws PfsException {
        health.checkChange("fsync");
        if (all) {
            committer.lazy(i);
        }
        if (all || committer.needsCommit()) {
            checkWritable("commit");
            return committer.seal(true);
        }
        return committer.seal(false);
    }

    /** Writes zeros over {@code [from, to)} of {@code i}'s written blocks; a failure counts against the file. */
    void zero(Inode i, long from, long to) throws PfsException {
        try {
            data.zero(i, from, to);
        } catch (PfsException e) {
            dataWriteFailed(i.ino, e);
            throw e;
        }
        committer.dataWritten(i.ino);
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
        writeErrors.forget(i.ino);
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
