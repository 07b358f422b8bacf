package dev.pfs.core.fs;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One reader-writer lock per inode, guarding its data against changes of its block map while a
 * volume I/O of it is in flight (see the lock order in {@link PfsMount}). Shared: reads, and
 * sector-aligned overwrites of written blocks inside the file (the hot path; such writes to
 * disjoint ranges run in parallel, as O_DIRECT overwrites do on ext4). Exclusive: writes that
 * allocate, extend the file or read-modify-write a sector edge, truncate, fallocate and the
 * last close. A lock exists while someone holds, waits for or pins it; the registry's own
 * monitor is a leaf taken only to find, pin or drop an entry. Every descriptor pins its inode's
 * lock for as long as it is open ({@link #pin}), so that the calls on a descriptor, the hot
 * path, lock without the registry and without making a new lock each time.
 */
final class InodeLocks {
    /** An inode's lock while pinned; the same object for every user of that inode meanwhile. */
    static final class Pinned {
        private final long ino;
        private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        /** Holders, waiters and pins; registry monitor. */
        private int users;

        private Pinned(long ino) {
            this.ino = ino;
        }
    }

    private final Map<Long, Pinned> locks = new HashMap<>();

    /** A lock held on one inode; closing releases it (and the pin a lock by number took). */
    final class Held implements AutoCloseable {
        private final Pinned pinned;
        private final Lock lock;
        private final boolean unpin;

        private Held(Pinned pinned, Lock lock, boolean unpin) {
            this.pinned = pinned;
            this.lock = lock;
            this.unpin = unpin;
        }

        @Override
        public void close() {
            lock.unlock();
            if (unpin) {
                unpin(pinned);
            }
        }
    }

    /** @return {@code ino}'s lock, kept in the registry until {@link #unpin} */
    synchronized Pinned pin(long ino) {
        Pinned p = locks.computeIfAbsent(ino, Pinned::new);
        p.users++;
        return p;
    }

    /** Drops a pin {@link #pin} took; the last user's drop forgets the lock. */
    synchronized void unpin(Pinned p) {
        if (--p.users == 0) {
            locks.remove(p.ino, p);
        }
    }

    /** @return {@code ino}'s lock, shared or exclusive, once acquired */
    Held lock(long ino, boolean exclusive) {
        return acquire(pin(ino), exclusive, true);
    }

    /** @return a pinned lock, shared or exclusive, once acquired; the pin stays */
    Held lock(Pinned p, boolean exclusive) {
        return acquire(p, exclusive, false);
    }

    private Held acquire(Pinned p, boolean exclusive, boolean unpin) {
        Lock l = exclusive ? p.lock.writeLock() : p.lock.readLock();
        l.lock();
        return new Held(p, l, unpin);
    }
}
