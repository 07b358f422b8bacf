package dev.pfs.parallelraft;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * A follower's handling of its leader's APPEND: ParallelRaft stores any entry and acknowledges
 * exactly what arrived; strict mode checks the previous entry, holds appends that arrive ahead of a
 * gap in a bounded reorder buffer, and acknowledges its contiguous last index. When the caller
 * persists several Readies at once, {@link #bound} trims acknowledgements to what is durable when
 * they leave, and strict mode acknowledges the rest once the earlier writes landed.
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
        this.holes = new HoleReporter(n);
    }

    /** Strict mode: an append already waited behind a gap at the previous tick. */
    private boolean gapSeen;

    private final HoleReporter holes;

    /**
     * Fast catch-up, on every tick of a follower that knows its leader. ParallelRaft: see
     * {@link HoleReporter}. Strict mode: an append still waiting behind a gap a tick later (lost,
     * not merely overtaken) makes the follower report its last index, and the leader resends from
     * there (Raft's rejection).
     */
    void tick() {
        if (n.cfg.mode() == Mode.PARALLEL) {
            holes.tick();
            return;
        }
        boolean gap = !reorder.isEmpty();
        if (gap && gapSeen) {
            n.send(refusal(n.leaderId, n.log.lastIndex(), 0));
        }
        gapSeen = gap;
    }

    void reset() {
        holes.reset();
        gapSeen = false;
        reorder.clear();
        matchIndex = 0;
        ackSent = 0;
    }

    /**
     * Trims the acknowledgements among the messages of the Ready being handed out to entries
     * durable once it is, {@code durable} being the highest index below which no earlier Ready
     * is still in flight: ParallelRaft drops indices whose write is in flight, strict mode
     * acknowledges at most {@code durable}; strict mode then adds an acknowledgement of the
     * matching prefix that became durable since the last one.
     */
    List<Message> bound(List<Message> out, long durable) {
        List<Message> msgs = new ArrayList<>(out.size() + 1);
        for (Message m : out) {
            if (m.type() == MessageType.APPEND_RESP && !m.reject()) {
                m = n.cfg.mode() == Mode.PARALLEL ? durableIndices(m) : durablePrefix(m, durable);
                if (n.cfg.mode() == Mode.STRICT && m.term() == n.term && m.to() == n.leaderId) {
                    ackSent = Math.max(ackSent, m.index());
                }
            }
            msgs.add(m);
        }
        if (n.cfg.mode() == Mode.STRICT && n.role == Role.FOLLOWER && n.leaderId != 0
                && Math.min(matchIndex, durable) > ackSent) {
            ackSent = Math.min(matchIndex, durable);
            msgs.add(appendResp(n.leaderId, ackSent, 0, false));
        }
        return msgs;
    }

    private Message durableIndices(Message m) {
        long[] acks = m.indices();
        int k = 0;
        long[] kept = new long[acks.length];
        for (long x : acks) {
            if (!n.pending.inFlight.holds(x, n.log)) {
                kept[k++] = x;
            }
        }
        return k == acks.length ? m : new Message(m.type(), m.from(), m.to(), m.term(), m.index(), m.logTerm(),
                m.entries(), m.commit(), Arrays.copyOf(kept, k), false);
    }

    private Message durablePrefix(Message m, long durable) {
        if (m.index() <= durable) {
            return m;
        }
        n.acksDeferred++;
        return new Message(m.type(), m.from(), m.to(), m.term(), durable, m.logTerm(), m.entries(), m.commit(),
                m.indices(), false);
    }

    RejectReason append(Message m) {
        return n.cfg.mode() == Mode.PARALLEL ? appendParallel(m) : appendStrict(m);
    }

    private RejectReason appendParallel(Message m) {
        long[] acks = new long[m.entries().size()];
        int acked = 0;
        boolean changed = false;
        for (Entry e : m.entries()) {
            // An entry known committed is final, look-behind buffer included: the apply rule may
            // already rely on it, so a later leader's re-stamped copy never replaces it.
            if (!n.committed.contains(e.index()) && e.index() >= n.log.firstIndex()) {
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
            n.send(refusal(m.from(), n.log.lastIndex(), m.index()));
            return RejectReason.NONE;
        }
        if (m.index() >= n.committed.prefix() && n.log.termAt(m.index()) != m.logTerm()) {
            n.send(refusal(m.from(), Math.min(m.index() - 1, n.log.lastIndex()), m.index()));
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
        matchIndex = Math.max(matchIndex, lastNew);
        if (m.commit() > n.committed.prefix()) {
            n.committed.addPrefix(Math.min(m.commit(), lastNew));
        }
        n.send(appendResp(m.from(), lastNew, 0, false));
        Message next = reorder.remove(n.log.lastIndex());
        reorder.headMap(n.log.lastIndex()).clear();
        if (next != null) {
            appendStrict(next);
        }
        return changed || m.entries().isEmpty() ? RejectReason.NONE : RejectReason.DUPLICATE;
    }

    /**
     * Strict mode: the APPEND with previous index {@code refused} does not fit (0: a gap report, not
     * an answer to one APPEND); the leader may resend from {@code index + 1}.
     */
    private Message refusal(int to, long index, long refused) {
        return appendResp(to, index, refused, true);
    }

    private Message appendResp(int to, long index, long refused, boolean reject) {
        return new Message(MessageType.APPEND_RESP, n.id(), to, n.term, index, refused, List.of(),
                n.committed.prefix(), null, reject);
    }

    /** Takes the leader's commit information and safe prefix; answers with this node's commit prefix. */
    RejectReason heartbeat(Message m) {
        learnCommitted(m.commit(), m.indices());
        n.safePrefix = Math.max(n.safePrefix, m.logTerm());
        n.send(new Message(MessageType.HEARTBEAT_RESP, n.id(), m.from(), n.term, n.log.lastIndex(), 0, List.of(),
                n.committed.prefix(), null, false));
        return RejectReason.NONE;
    }

    /** Merge stage: reports this node's commit prefix, compaction point and entries from the asked index. */
    RejectReason reportLog(Message m) {
        n.send(new Message(MessageType.MERGE_RESP, n.id(), m.from(), n.term, m.index(), n.log.firstIndex() - 1,
                n.log.range(m.index(), n.log.lastIndex()), n.committed.prefix(), null, false));
        return RejectReason.NONE;
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
