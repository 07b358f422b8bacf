package dev.pfs.fuse;

import dev.pfs.core.PfsException;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Keeps libpfs paths valid while a request uses them: calls that turn (node, name) into a path
 * share the lock, a rename (the one call that moves a directory, and so changes the paths
 * under it) holds it alone.
 */
final class PathLock {
    /** A call that resolves names. */
    interface PathCall {
        void run() throws PfsException;
    }

    private final ReadWriteLock lock = new ReentrantReadWriteLock();

    /** Runs a call that resolves names, so that no rename moves a directory meanwhile. */
    void shared(PathCall call) throws PfsException {
        lock.readLock().lock();
        try {
            call.run();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Runs a call that moves names, while no other call resolves one. */
    void exclusive(PathCall call) throws PfsException {
        lock.writeLock().lock();
        try {
            call.run();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
