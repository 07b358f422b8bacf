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

    private final Map<Long, Count> counts = new HashMap<>();
    private Set<Long> unflushed = new HashSet<>();

    /** Notes that {@code ino}'s data was written and is covered by the next flush. */
    synchronized void dataWritten(long ino) {
        unflushed.add(ino);
    }

    /** @return the files whose data the flush about to be issued covers; a new set starts */
    synchronized Set<Long> takeUnflushed() {
        Set<Long> out = unflushed;
        unflushed = new HashSet<>();
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
        counts.computeIfAbsent(ino, k -> new Count()).errors++;
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
