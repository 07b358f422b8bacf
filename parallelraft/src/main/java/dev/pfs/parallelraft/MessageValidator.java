package dev.pfs.parallelraft;

import java.util.List;

/**
 * Decides, before a message touches any state, whether it can be valid: the decode boundary of
 * the step function. Returns a reason instead of throwing so the node can count it.
 */
final class MessageValidator {

    private final RaftConfig cfg;

    MessageValidator(RaftConfig cfg) {
        this.cfg = cfg;
    }

    RejectReason check(Message m) {
        if (m == null || m.type() == null) {
            return RejectReason.MALFORMED;
        }
        if (m.to() != cfg.id() || m.from() == cfg.id() || !cfg.voters().contains(m.from())) {
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
