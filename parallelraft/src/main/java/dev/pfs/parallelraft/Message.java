package dev.pfs.parallelraft;

import java.util.Arrays;
import java.util.List;

/**
 * A message between two nodes of a group. One shape for all types; the meaning of the numeric
 * fields depends on the type:
 * <ul>
 *   <li>{@code index}: APPEND (strict) previous index; VOTE/PRE_VOTE last index; MERGE_REQ first
 *       index wanted; APPEND_RESP (strict) the follower's contiguous last index.</li>
 *   <li>{@code logTerm}: APPEND (strict) previous entry's term; VOTE/PRE_VOTE last entry term;
 *       HEARTBEAT the prefix every member reported committed (the receiver may prune up to it);
 *       MERGE_RESP the reporter's compaction point (its log holds nothing at or below it);
 *       APPEND_RESP (strict, refused) the previous index of the APPEND refused, 0 for a report of
 *       a gap in what arrived.</li>
 *   <li>{@code commit}: from the leader, the commit prefix this follower may trust; from a
 *       follower or a candidate (VOTE/PRE_VOTE), its own known-committed prefix.</li>
 *   <li>{@code indices}: APPEND/HEARTBEAT (parallel) committed indices above {@code commit};
 *       APPEND_RESP the indices acknowledged.</li>
 *   <li>{@code reject}: vote refused, strict append not matching, an answer to a stale message; on
 *       VOTE/PRE_VOTE: a leadership-transfer campaign that ignores leases; on CHECKPOINT: the last
 *       piece.</li>
 *   <li>CHECKPOINT: {@code index} the checkpoint's applied prefix, {@code logTerm} the stamp of that
 *       index, {@code commit} the piece's byte offset, {@code indices} the members at that index,
 *       {@code data} the piece. CHECKPOINT_RESP: {@code index} the checkpoint, {@code logTerm} the
 *       next byte offset the follower wants, {@code commit} its commit prefix (at least
 *       {@code index} once installed).</li>
 * </ul>
 *
 * @param type    kind
 * @param from    sender id
 * @param to      receiver id
 * @param term    sender's term (for PRE_VOTE the term it would campaign in)
 * @param index   see above
 * @param logTerm see above
 * @param entries entries carried (APPEND, MERGE_RESP), else empty
 * @param commit  see above
 * @param indices see above
 * @param reject  see above
 * @param data    CHECKPOINT: the piece's bytes; else empty
 */
public record Message(MessageType type, int from, int to, long term, long index, long logTerm,
                      List<Entry> entries, long commit, long[] indices, boolean reject, byte[] data) {

    private static final long[] NONE = new long[0];
    private static final byte[] NO_DATA = new byte[0];

    /** Normalises null collections to empty ones. */
    public Message {
        entries = entries == null ? List.of() : entries;
        indices = indices == null ? NONE : indices;
        data = data == null ? NO_DATA : data;
    }

    /** A message without checkpoint bytes. */
    public Message(MessageType type, int from, int to, long term, long index, long logTerm, List<Entry> entries,
                   long commit, long[] indices, boolean reject) {
        this(type, from, to, term, index, logTerm, entries, commit, indices, reject, NO_DATA);
    }

    /** @return a message with only the header fields set */
    public static Message of(MessageType type, int from, int to, long term) {
        return new Message(type, from, to, term, 0, 0, List.of(), 0, NONE, false);
    }

    /** @return this message with {@code reject} set */
    public Message withReject() {
        return new Message(type, from, to, term, index, logTerm, entries, commit, indices, true, data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Message m && m.type == type && m.from == from && m.to == to && m.term == term
                && m.index == index && m.logTerm == logTerm && m.entries.equals(entries) && m.commit == commit
                && Arrays.equals(m.indices, indices) && m.reject == reject && Arrays.equals(m.data, data);
    }

    @Override
    public int hashCode() {
        return ((type.hashCode() * 31 + from) * 31 + to) * 31 + Long.hashCode(term);
    }

    /** Compact form used in traces and golden files. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder().append(type).append(' ').append(from).append("->").append(to)
                .append(" t").append(term);
        if (index != 0 || logTerm != 0) {
            b.append(" i").append(index).append('/').append(logTerm);
        }
        if (!entries.isEmpty()) {
            b.append(" e").append(entries);
        }
        if (commit != 0) {
            b.append(" c").append(commit);
        }
        if (indices.length > 0) {
            b.append(" x").append(Arrays.toString(indices));
        }
        if (data.length > 0) {
            b.append(" d").append(data.length);
        }
        if (reject) {
            b.append(switch (type) {
                case VOTE, PRE_VOTE -> " TRANSFER";
                case CHECKPOINT -> " LAST";
                default -> " REJECT";
            });
        }
        return b.toString();
    }
}
