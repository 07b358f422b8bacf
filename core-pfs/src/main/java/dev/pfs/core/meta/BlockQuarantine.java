package dev.pfs.core.meta;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * Blocks a RW mount freed, held back from reuse: first until their free is durable (the commit
 * that carries it), then for the reuse delay on the mount's lease clock. A RO mount trusts its
 * block map for less than that delay after the poll that made it, so it never reads a block
 * through a name the RW already reused for another file. The first hold matters on the RW
 * mount alone too: commits are grouped and run outside the metadata lock, so a block freed by
 * one call could otherwise be rewritten by another file's write while the free is not yet
 * durable, and a crash would show that file's data through the old name. Part of
 * {@link MetaStore}, under its lock.
 */
final class BlockQuarantine {
    private record Cooling(long tag, long until) {
    }

    private record Sealed(long seq, List<Long> tags) {
    }

    private List<Long> uncommitted = new ArrayList<>();
    private final ArrayDeque<Sealed> sealed = new ArrayDeque<>();
    private final ArrayDeque<Cooling> cooling = new ArrayDeque<>();
    private long delayNanos;
    private long size;

    void delay(long nanos) {
        this.delayNanos = nanos;
    }

    /** Holds {@code tag} back until the commit sealed next is durable and its delay passed. */
    void hold(long tag) {
        uncommitted.add(tag);
        size++;
    }

    /** The frees held so far ride in commit {@code seq}. */
    void seal(long seq) {
        if (!uncommitted.isEmpty()) {
            sealed.add(new Sealed(seq, uncommitted));
            uncommitted = new ArrayList<>();
        }
    }

    /** Commits up to {@code seq} are durable: their frees start their delay at {@code now}. */
    void durable(long seq, long now) {
        while (!sealed.isEmpty() && sealed.peek().seq <= seq) {
            for (long t : sealed.poll().tags) {
                cooling.add(new Cooling(t, now + delayNanos));
            }
        }
    }

    void expire(long now, BitSet busy, LongPredicate usable) {
        while (!cooling.isEmpty() && cooling.peek().until - now <= 0) {
            long t = cooling.poll().tag;
            busy.set((int) t, !usable.test(t));
            size--;
        }
    }

    long size() {
        return size;
    }
}
