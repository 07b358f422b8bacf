package dev.pfs.parallelraft;

import java.util.List;
import java.util.TreeSet;

/**
 * A ParallelRaft follower's side of fast catch-up: an index named by the look-behind buffer of an
 * entry this node holds, above its commit prefix, but not held itself is a hole; one still open a
 * tick later (not merely overtaken by its successor) is asked for by name in a rejecting
 * APPEND_RESP, and the leader sends exactly those entries. (Strict mode's equivalent is
 * {@link FollowerAppender#tick}.)
 */
final class HoleReporter {

    /** Most holes named in one report. */
    static final int MAX_NAMED = 64;

    private final RaftNode n;
    private TreeSet<Long> seen = new TreeSet<>();

    HoleReporter(RaftNode n) {
        this.n = n;
    }

    void reset() {
        seen = new TreeSet<>();
    }

    /** Called on every tick of a follower that knows its leader. */
    void tick() {
        TreeSet<Long> holes = namedHoles();
        long[] ask = holes.stream().filter(seen::contains).limit(MAX_NAMED).mapToLong(Long::longValue).toArray();
        if (ask.length > 0) {
            n.send(new Message(MessageType.APPEND_RESP, n.id(), n.leaderId, n.term, 0, 0, List.of(),
                    n.committed.prefix(), ask, true));
        }
        seen = holes;
    }

    private TreeSet<Long> namedHoles() {
        TreeSet<Long> holes = new TreeSet<>();
        long from = Math.max(n.committed.prefix() + 1, n.log.firstIndex());
        for (long i = from; i <= n.log.lastIndex(); i++) {
            Entry e = n.log.get(i);
            if (e == null) {
                continue;
            }
            for (LbbSlot s : e.lbb()) {
                if (s.index() >= from && n.log.get(s.index()) == null && !n.committed.contains(s.index())) {
                    holes.add(s.index());
                }
            }
        }
        return holes;
    }
}
