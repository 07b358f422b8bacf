package dev.pfs.parallelraft;

import java.util.List;
import java.util.TreeMap;

/**
 * A follower's handling of its leader's APPEND: ParallelRaft stores any entry and acknowledges
 * exactly what arrived; strict mode checks the previous entry, holds appends that arrive ahead of a
 * gap in a bounded reorder buffer, and acknowledges its contiguous last index.
 */
final class FollowerAppender {

    private final RaftNode n;
    /** Strict mode: appends that arrived ahead of a gap, by previous index (in-order acknowledge). */
    private final TreeMap<Long, Message> reorder = new TreeMap<>();

    FollowerAppender(RaftNode n) {
        this.n = n;
    }

    void reset() {
        reorder.clear();
    }

    RejectReason append(Message m) {
        return n.cfg.mode() == Mode.PARALLEL ? appendParallel(m) : appendStrict(m);
    }

    private RejectReason appendParallel(Message m) {
        long[] acks = new long[m.entries().size()];
        int acked = 0;
        boolean changed = false;
        for (Entry e : m.entries()) {
            if (e.index() > n.committed.prefix() && e.index() >= n.log.firstIndex()) {
                Entry cur = n.log.get(e.index());
                if (cur == null || cur.term() != e.term() || !cur.sameOrigin(e)) {
                    n.store(e);
                    changed = true;
                }
            }
            acks[acked++] = e.index();
        }
        changed |= learnCommitted(m.commit(), m.indices());
        n.send(new Message(MessageType.APPEND_RESP, n.id(), m.from(), n.term, 0, 0, List.of(), n.committed.prefix(),
                acks, false));
        return changed || m.entries().isEmpty() ? RejectReason.NONE : RejectReason.DUPLICATE;
    }

    private RejectReason appendStrict(Message m) {
        if (m.index() > n.log.lastIndex()) {
            if (reorder.size() < n.cfg.maxInflight()) {
                reorder.put(m.index(), m);
                return RejectReason.NONE;
            }
            n.send(appendResp(m.from(), n.log.lastIndex(), true));
            return RejectReason.NONE;
        }
        if (m.index() >= n.committed.prefix() && n.log.termAt(m.index()) != m.logTerm()) {
            n.send(appendResp(m.from(), Math.min(m.index() - 1, n.log.lastIndex()), true));
            return RejectReason.NONE;
        }
        boolean changed = false;
        for (Entry e : m.entries()) {
            if (e.index() <= n.committed.prefix()) {
                continue;
            }
            Entry cur = n.log.get(e.index());
            if (cur != null && cur.term() == e.term()) {
                continue;
            }
            if (cur != null) {
                n.truncate(e.index() - 1);
            }
            n.store(e);
            changed = true;
        }
        long lastNew = m.index() + m.entries().size();
        if (m.commit() > n.committed.prefix()) {
            n.committed.addPrefix(Math.min(m.commit(), lastNew));
        }
        n.send(appendResp(m.from(), lastNew, false));
        Message next = reorder.remove(n.log.lastIndex());
        reorder.headMap(n.log.lastIndex()).clear();
        if (next != null) {
            appendStrict(next);
        }
        return changed || m.entries().isEmpty() ? RejectReason.NONE : RejectReason.DUPLICATE;
    }

    private Message appendResp(int to, long index, boolean reject) {
        return new Message(MessageType.APPEND_RESP, n.id(), to, n.term, index, 0, List.of(), n.committed.prefix(),
                null, reject);
    }

    /** Marks what the leader says is n.committed and this node holds; returns whether anything was new. */
    boolean learnCommitted(long prefix, long[] indices) {
        boolean news = false;
        long upTo = n.log.contiguousFrom(n.committed.prefix() + 1, prefix);
        if (upTo > n.committed.prefix()) {
            n.committed.addPrefix(upTo);
            news = true;
        }
        for (long x : indices) {
            if (n.log.get(x) != null) {
                news |= n.committed.add(x);
            }
        }
        return news;
    }
}
