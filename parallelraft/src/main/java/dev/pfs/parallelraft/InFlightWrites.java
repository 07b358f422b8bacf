package dev.pfs.parallelraft;

import java.util.Collections;
import java.util.List;
import java.util.TreeMap;

/**
 * Entries a node handed out in a {@link Ready} the caller has not advanced yet, while each is
 * still the node's current entry at its index. A message in a new Ready leaves once that Ready is
 * durable, but not necessarily after earlier ones: it may claim durability only below the lowest
 * index here (and for no index here).
 */
final class InFlightWrites {

    private final TreeMap<Long, Entry> writes = new TreeMap<>();

    /** The entries of a Ready being handed out; only those still current in {@code log} count. */
    void handedOut(List<Entry> entries, RaftLog log) {
        for (Entry e : entries) {
            if (log.get(e.index()) == e) {
                writes.put(e.index(), e);
            }
        }
    }

    /** The entries of an advanced Ready are durable. */
    void landed(List<Entry> entries) {
        for (Entry e : entries) {
            if (writes.get(e.index()) == e) {
                writes.remove(e.index());
            }
        }
    }

    /** A new entry replaces the one at {@code index}: it lands with the next Ready, after this one. */
    void replaced(long index) {
        writes.remove(index);
    }

    /** Entries above {@code after} are truncated by the next Ready, which waits for every earlier one. */
    void truncated(long after) {
        writes.tailMap(after, false).clear();
    }

    /** @return whether the entry the node holds at {@code index} is in flight in an earlier Ready */
    boolean holds(long index, RaftLog log) {
        Entry e = writes.get(index);
        return e != null && e == log.get(index);
    }

    /**
     * @return the highest index below which nothing above {@code checkpoint} is in flight: once the
     *         next Ready is durable, so is every entry the node holds up to it (entries up to the
     *         checkpoint are covered by the checkpoint)
     */
    long durableThrough(long checkpoint) {
        Long first = writes.higherKey(checkpoint);
        return first == null ? Long.MAX_VALUE : first - 1;
    }

    /**
     * Bounds the commit prefixes a Ready's messages report (a follower's own, a leader's safe
     * prefix) by the commit prefix of the hard state durable when they leave. Rewrites {@code msgs}
     * (a list the caller owns) in place and returns a read-only view of it.
     */
    static List<Message> capCommits(List<Message> msgs, long commit) {
        msgs.replaceAll(m -> {
            if (isReply(m) && m.commit() > commit) {
                return new Message(m.type(), m.from(), m.to(), m.term(), m.index(), m.logTerm(), m.entries(), commit,
                        m.indices(), m.reject(), m.data());
            }
            if (m.type() == MessageType.HEARTBEAT && m.logTerm() > commit) {
                return new Message(m.type(), m.from(), m.to(), m.term(), m.index(), commit, m.entries(), m.commit(),
                        m.indices(), m.reject(), m.data());
            }
            return m;
        });
        return Collections.unmodifiableList(msgs);
    }

    /** A follower's reply: its {@code commit} is its own commit prefix, which must be durable. */
    private static boolean isReply(Message m) {
        return m.type() == MessageType.APPEND_RESP || m.type() == MessageType.HEARTBEAT_RESP
                || m.type() == MessageType.MERGE_RESP || m.type() == MessageType.CHECKPOINT_RESP;
    }
}
