package dev.pfs.pswitch.client;

import dev.pfs.common.volume.VolumeException;
import dev.pfs.pswitch.ring.ChannelLayout;
import java.util.BitSet;

/**
 * Hands out page-aligned runs of a client's arena, next fit; a caller that finds no room waits
 * until a completion frees some, or its deadline passes.
 */
final class ArenaAllocator {
    private final BitSet used;
    private final int pages;
    private int next;

    ArenaAllocator(long arenaLength) {
        this.pages = (int) (arenaLength / ChannelLayout.PAGE);
        this.used = new BitSet(pages);
    }

    /** @return the pages {@code length} bytes take */
    static int pagesFor(long length) {
        return (int) ((length + ChannelLayout.PAGE - 1) / ChannelLayout.PAGE);
    }

    /**
     * @return the arena offset of {@code length} bytes (at least one page) now reserved
     * @throws VolumeException UNAVAILABLE when no room came free before {@code deadlineNanos}
     */
    synchronized long allocate(long length, long deadlineNanos) throws VolumeException {
        int n = Math.max(1, pagesFor(length));
        if (n > pages) {
            throw new IllegalArgumentException(length + " bytes do not fit an arena of " + pages + " pages");
        }
        while (true) {
            int at = find(n);
            if (at >= 0) {
                used.set(at, at + n);
                next = at + n == pages ? 0 : at + n;
                return (long) at * ChannelLayout.PAGE;
            }
            long waitNanos = deadlineNanos - System.nanoTime();
            if (waitNanos <= 0) {
                throw new VolumeException(VolumeException.Kind.UNAVAILABLE,
                        "no room in the switch arena for " + length + " bytes before the deadline");
            }
            try {
                wait(Math.max(1, waitNanos / 1_000_000), 0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VolumeException(VolumeException.Kind.IO, "interrupted waiting for arena room", e);
            }
        }
    }

    /** Returns what {@link #allocate} reserved. */
    synchronized void free(long offset, long length) {
        int at = (int) (offset / ChannelLayout.PAGE);
        used.clear(at, at + Math.max(1, pagesFor(length)));
        notifyAll();
    }

    /** @return the pages in use (tests) */
    synchronized int usedPages() {
        return used.cardinality();
    }

    private int find(int n) {
        int from = find(n, next, pages);
        return from >= 0 ? from : find(n, 0, pages);
    }

    private int find(int n, int from, int limit) {
        int at = used.nextClearBit(from);
        while (at + n <= Math.min(limit, pages)) {
            int set = used.nextSetBit(at);
            if (set < 0 || set - at >= n) {
                return at;
            }
            at = used.nextClearBit(set);
        }
        return -1;
    }
}
