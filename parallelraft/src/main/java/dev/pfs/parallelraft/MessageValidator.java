package dev.pfs.parallelraft;

import java.util.List;
import java.util.function.IntPredicate;

/**
 * Decides, before a message touches any state, whether it can be valid: the decode boundary of
 * the step function. Returns a reason instead of throwing so the node can count it.
 */
final class MessageValidator {

    private final RaftConfig cfg;
    private final IntPredicate knownSender;

    MessageValidator(RaftConfig cfg, IntPredicate knownSender) {
        this.cfg = cfg;
        this.knownSender = knownSender;
    }

    RejectReason check(Message m) {
        if (m == null || m.type() == null) {
            return RejectReason.MALFORMED;
        }
        if (m.to() != cfg.id() || m.from() == cfg.id() || m.from() <= 0) {
            return RejectReason.UNKNOWN_NODE;
        }
        // A leader's messages are heard from anyone: a lagging member may not yet hold the change
        // that added its new leader. Votes are heard only from members, so a removed server cannot
        // disrupt the group; answers from non-members are dropped where they are counted.
        if ((m.type() == MessageType.PRE_VOTE || m.type() == MessageType.VOTE) && !knownSender.test(m.from())) {
            return RejectReason.UNKNOWN_NODE;
        }
        if (m.term() < 0 || m.index() < 0 || m.logTerm() < 0 || m.commit() < 0) {
            return RejectReason.MALFORMED;
        }
        long prev = 0;
        for (long x : m.indices()) {
            if (x <= prev) {
                return RejectReason.MALFORMED;
            }
            prev = x;
        }
        boolean carries = m.type() == MessageType.APPEND || m.type() == MessageType.MERGE_RESP;
        if (!carries && !m.entries().isEmpty()) {
            return RejectReason.MALFORMED;
        }
        if (m.type() != MessageType.CHECKPOINT && m.data().length > 0) {
            return RejectReason.MALFORMED;
        }
        if (m.type() == MessageType.CHECKPOINT && (m.data().length > cfg.checkpointPiece() || m.indices().length == 0
                || m.indices()[m.indices().length - 1] > Integer.MAX_VALUE)) {
            return RejectReason.MALFORMED;
        }
        return checkEntries(m);
    }

    private RejectReason checkEntries(Message m) {
        long prev = m.type() == MessageType.APPEND && cfg.mode() == Mode.STRICT ? m.index() : 0;
        boolean contiguous = m.type() == MessageType.APPEND && cfg.mode() == Mode.STRICT;
        for (Entry e : m.entries()) {
            if (e == null || e.kind() == null || e.index() < 1 || e.originTerm() < 1 || e.term() < e.originTerm()
                    || e.term() > m.term() || e.index() <= prev || (contiguous && e.index() != prev + 1)) {
                return RejectReason.MALFORMED;
            }
            prev = e.index();
            RejectReason r = checkEntry(e);
            if (r != RejectReason.NONE) {
                return r;
            }
        }
        return RejectReason.NONE;
    }

    /** @return why an entry (proposed or received) is not valid, or NONE */
    RejectReason checkEntry(Entry e) {
        if (e.kind() == EntryKind.WRITE ? e.ranges().isEmpty() : !e.ranges().isEmpty()) {
            return RejectReason.INVALID_LBA;
        }
        if (e.kind() == EntryKind.CONFIG && (e.data().length == 0 || e.members().size() * 4 != e.data().length
                || e.members().stream().anyMatch(id -> id <= 0) || e.members().stream().distinct().count()
                != e.members().size())) {
            return RejectReason.MALFORMED;
        }
        if (!rangesValid(e.ranges())) {
            return RejectReason.INVALID_LBA;
        }
        if (e.lbb().size() > cfg.lookBehind()) {
            return RejectReason.INVALID_LBA;
        }
        long prev = e.index() - cfg.lookBehind() - 1;
        for (LbbSlot s : e.lbb()) {
            if (s == null || s.index() <= prev || s.index() >= e.index() || s.originTerm() < 1
                    || !rangesValid(s.ranges())) {
                return RejectReason.INVALID_LBA;
            }
            prev = s.index();
        }
        return RejectReason.NONE;
    }

    boolean rangesValid(List<LbaRange> ranges) {
        for (LbaRange r : ranges) {
            if (r == null || r.invalidReason(cfg.lbaCount()) != null) {
                return false;
            }
        }
        return true;
    }
}
