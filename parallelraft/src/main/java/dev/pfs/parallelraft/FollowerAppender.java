package dev.pfs.parallelraft;

import java.util.List;
import java.util.TreeMap;

/**
 * A follower's handling of its leader's APPEND: ParallelRaft stores any entry and acknowledges
 * exactly what arrived, except entries whose write from an earlier Ready is still in flight
 * (the response to the APPEND that stored them acknowledges those); strict mode checks the
 * previous entry, holds appends that arrive ahead of a gap in a bounded reorder buffer, and
 * acknowledges its contiguous prefix that matches the leader and is durable, renewing the
 * acknowledgement when a Ready completes.
 */
final class FollowerAppender {

    private final RaftNode n;
    /** Strict mode: appends that arrived ahead of a gap, by previous index (in-order acknowledge). */
    private final TreeMap<Long, Message> reorder = new TreeMap<>();
    /** Strict mode: highest index up to which this node's log is known to match its leader's in this term. */
    private long matchIndex;
    /** Strict mode: highest index acknowledged to the leader in this term. */
    private long ackSent;

    FollowerAppender(RaftNode n) {
        this.n = n;
    }

    void reset() {
        reorder.clear();
        matchIndex = 0;
        ackSent = 0;
    }

    /** A Ready became durable: a strict follower acknowledges the matching prefix that is now durable. */
    void persisted() {
        if (n.cfg.mode() != Mode.STRICT || n.role != Role.FOLLOWER || n.leaderId == 0) {
            return;
        }
        long ack = Math.min(matchIndex, n.durableThrough());
        if (ack > ackSent) {
            ackSent = ack;
            n.send(appendResp(n.leaderId, ack, false));
        }
    }

    RejectReason append(Message m) {
        return n.cfg.mode() == Mode.PARALLEL ? appendParallel(m) : appendStrict(m);
    }

    private RejectReason appendParallel(Message m) {
        long[] acks = new long[m.entries().size()];
        int acked = 0;
        boolean changed = false;
        for (Entry e : m.entries()) {
            boolean durableWithThisReady = true;
            if (e.index() > n.committed.prefix() && e.index() >= n.log.firstIndex()) {
                Entry cur = n.log.get(e.index());
                if (cur == null || cur.term() != e.term() || !cur.sameOrigin(e)) {
                    n.store(e);
                    changed = true;
                } else {
                    durableWithThisReady = !n.writeInFlight(e.index());
                }
            }
            if (durableWithThisReady) {
                acks[acked++] = e.index();
            }
        }
        changed |= learnCommitted(m.commit(), m.indices());
        n.send(new Message(MessageType.APPEND_RESP, n.id(), m.from(), n.term, 0, 0, List.of(), n.reportableCommit(),
                acked == acks.length ? acks : java.util.Arrays.copyOf(acks, acked), false));
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
        matchIndex = Math.max(matchIndex, lastNew);
        long ack = Math.min(lastNew, n.durableThrough());
        if (ack < lastNew) {
            n.deferredAck();
        }
        ackSent = Math.max(ackSent, ack);
        n.send(appendResp(m.from(), ack, false));
        Message next = reorder.remove(n.log.lastIndex());
        reorder.headMap(n.log.lastIndex()).clear();
        if (next != null) {
            appendStrict(next);
        }
        return changed || m.entries().isEmpty() ? RejectReason.NONE : RejectReason.DUPLICATE;
    }

    private Message appendResp(int to, long index, boolean reject) {
        return new Message(MessageType.APPEND_RESP, n.id(), to, n.term, index, 0, List.of(), n.reportableCommit(),
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
