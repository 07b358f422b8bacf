package dev.pfs.core;

import java.util.Set;

/**
 * Told by a read-only mount what the RW mount's journal just changed, so that a cache above
 * libpfs (the kernel's, through FUSE) can drop what is stale.
 */
@FunctionalInterface
public interface ReplayListener {
    /**
     * Called on the RO mount's follower thread after a replay, outside libpfs's lock.
     *
     * @param inodes the inode numbers whose attributes, data or entries may have changed (a
     *               superset: every inode of a changed metadata sector); null after a reload,
     *               when anything may have changed
     */
    void changed(Set<Long> inodes);
}
