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
 * last close. Locks exist while someone holds or waits for them; the registry's own monitor
 * is a leaf taken only to find or drop an entry.
 */
final class InodeLocks {
    private static final class Entry {
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        int users;
    }

    private final Map<Long, Entry> locks = new HashMap<>();

    /** A lock held on one inode; closing releases it. */
    final class Held implements AutoCloseable {
        private final long ino;
        private final Entry entry;
        private final Lock lock;

        private Held(long ino, Entry entry, Lock lock) {
            this.ino = ino;
            this.entry = entry;
            this.lock = lock;
        }

        @Override
        public void close() {
            lock.unlock();
            drop(ino, entry);
        }
    }

    /** @return {@code ino}'s lock, shared or exclusive, once acquired */
    Held lock(long ino, boolean exclusive) {
        Entry e;
        synchronized (this) {
            e = locks.computeIfAbsent(ino, k -> new Entry());
            e.users++;
        }
        Lock l = exclusive ? e.lock.writeLock() : e.lock.readLock();
        l.lock();
        return new Held(ino, e, l);
    }

    private synchronized void drop(long ino, Entry e) {
        if (--e.users == 0) {
            locks.remove(ino, e);
        }
    }
}
