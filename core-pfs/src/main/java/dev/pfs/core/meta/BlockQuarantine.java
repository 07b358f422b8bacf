package dev.pfs.core.meta;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * Blocks a RW mount freed, held back from reuse: first until their free is durable (a commit),
 * then for the reuse delay on the mount's lease clock. A RO mount trusts its block map for
 * less than that delay after the poll that made it, so it never reads a block through a name
 * the RW already reused for another file. Part of {@link MetaStore}, under its lock.
 */
final class BlockQuarantine {
    private record Cooling(long tag, long until) {
    }

    private final List<Long> uncommitted = new ArrayList<>();
    private final ArrayDeque<Cooling> cooling = new ArrayDeque<>();
    private long delayNanos;

    void delay(long nanos) {
        this.delayNanos = nanos;
    }

    /** @return whether {@code tag} must stay out of the allocator for now */
    boolean hold(long tag) {
        if (delayNanos <= 0) {
            return false;
        }
        uncommitted.add(tag);
        return true;
    }

    void committed(long now) {
        for (long t : uncommitted) {
            cooling.add(new Cooling(t, now + delayNanos));
        }
        uncommitted.clear();
    }

    void expire(long now, BitSet busy, LongPredicate usable) {
        while (!cooling.isEmpty() && cooling.peek().until - now <= 0) {
            long t = cooling.poll().tag;
            busy.set((int) t, !usable.test(t));
        }
    }

    long size() {
        return uncommitted.size() + cooling.size();
    }
}
