package dev.pfs.core.fs;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Linux's errseq rule for libpfs: a failed data write or volume flush is counted against every
 * file whose data it covered, and reported (EIO) once to the next fsync or fdatasync of every
 * descriptor of that file, including descriptors opened after the failure but before anyone
 * saw it. A later success does not clear an error no descriptor has seen yet. Its own monitor
 * guards it (a leaf lock): the committer counts a failed flush against files without the
 * metadata lock.
 */
final class WriteErrors {
    /** Per inode: errors so far, and how many of them some descriptor already reported. */
    private static final class Count {
        long errors;
        long reported;
    }

    private static final long[] NONE = {};

    private final Map<Long, Count> counts = new HashMap<>();
    /** Emptied, never replaced, by {@link #takeUnflushed}: a busy file is re-added without a new set. */
    private final Set<Long> unflushed = new HashSet<>();
    /** Whether any failure was ever counted: until then a sync has nothing to report (read without the lock). */
    private volatile boolean anyFailed;

    /** Notes that {@code ino}'s data was written and is covered by the next flush. */
    synchronized void dataWritten(long ino) {
        unflushed.add(ino);
    }

    /** @return the files whose data the flush about to be issued covers; the next flush covers the files written from now */
    synchronized long[] takeUnflushed() {
        if (unflushed.isEmpty()) {
            return NONE;
        }
        long[] out = new long[unflushed.size()];
        int k = 0;
        for (long ino : unflushed) {
            out[k++] = ino;
        }
        unflushed.clear();
        return out;
    }

    /** Counts a failure against each of {@code inos}. */
    synchronized void failed(Set<Long> inos) {
        for (long ino : inos) {
            failed(ino);
        }
    }

    /** Counts a failure against {@code ino}. */
    synchronized void failed(long ino) {
        anyFailed = true;
        counts.computeIfAbsent(ino, k -> new Count()).errors++;
    }

    /** @return whether any failure was counted so far; one counted before this call is seen */
    boolean anyFailed() {
        return anyFailed;
    }

    /** @return what a new descriptor of {@code ino} has seen: every error some descriptor reported */
    synchronized long sample(long ino) {
        Count c = counts.get(ino);
        return c == null ? 0 : c.reported;
    }

    /**
     * @param seen the descriptor's sample
     * @return the descriptor's new sample if an error it has not seen is pending (to report
     *     now), else {@code seen}
     */
    synchronized long report(long ino, long seen) {
        Count c = counts.get(ino);
        if (c == null || c.errors <= seen) {
            return seen;
        }
        c.reported = c.errors;
        return c.errors;
    }

    /** Forgets a freed inode. */
    synchronized void forget(long ino) {
        counts.remove(ino);
        unflushed.remove(ino);
    }
}
