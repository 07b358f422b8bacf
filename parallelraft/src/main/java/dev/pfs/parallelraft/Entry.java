package dev.pfs.parallelraft;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A log entry. Its identity is {@code (index, originTerm)}: the term whose leader first proposed
 * it. {@code term} is the stamp of the leader that last wrote it; the merge stage of a new leader
 * re-stamps the entries it recovers, so {@code term >= originTerm}.
 *
 * @param index      position in the log, from 1
 * @param term       stamp of the leader that last wrote this entry
 * @param originTerm term of the leader that proposed it
 * @param kind       write or no-op
 * @param ranges     blocks written (empty for a no-op)
 * @param lbb        look-behind buffer: the ranges of the previous N entries (empty in strict mode)
 * @param data       the caller's payload, opaque here
 */
public record Entry(long index, long term, long originTerm, EntryKind kind, List<LbaRange> ranges,
                    List<LbbSlot> lbb, byte[] data) {

    private static final byte[] NO_DATA = new byte[0];

    /** Copies the lists so an entry is immutable. */
    public Entry {
        ranges = List.copyOf(ranges);
        lbb = List.copyOf(lbb);
        data = data == null ? NO_DATA : data;
    }

    /** @return a no-op at {@code index} proposed and stamped in {@code term} */
    public static Entry noop(long index, long term) {
        return new Entry(index, term, term, EntryKind.NOOP, List.of(), List.of(), NO_DATA);
    }

    /** @return a membership change at {@code index} to {@code members}, proposed in {@code term} */
    public static Entry config(long index, long term, List<Integer> members) {
        ByteBuffer b = ByteBuffer.allocate(4 * members.size());
        members.forEach(b::putInt);
        return new Entry(index, term, term, EntryKind.CONFIG, List.of(), List.of(), b.array());
    }

    /**
     * @return the members a {@link EntryKind#CONFIG} entry names, in order; empty for other kinds
     *         or a payload that is not a list of 4-byte ids
     */
    public List<Integer> members() {
        if (kind != EntryKind.CONFIG || data.length % 4 != 0) {
            return List.of();
        }
        List<Integer> out = new ArrayList<>(data.length / 4);
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) {
            out.add(b.getInt());
        }
        return List.copyOf(out);
    }

    /** @return the same entry stamped with {@code newTerm} and look-behind buffer {@code newLbb} */
    public Entry restamp(long newTerm, List<LbbSlot> newLbb) {
        return new Entry(index, newTerm, originTerm, kind, ranges, newLbb, data);
    }

    /** @return whether {@code other} is the same proposal (same index and origin) */
    public boolean sameOrigin(Entry other) {
        return other != null && other.index == index && other.originTerm == originTerm;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Entry e && e.index == index && e.term == term && e.originTerm == originTerm
                && e.kind == kind && e.ranges.equals(ranges) && e.lbb.equals(lbb) && Arrays.equals(e.data, data);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(index) * 31 + Long.hashCode(term) * 7 + Long.hashCode(originTerm);
    }

    @Override
    public String toString() {
        return index + "/" + term + (originTerm != term ? "(o" + originTerm + ")" : "")
                + switch (kind) {
                    case NOOP -> "noop";
                    case CONFIG -> "config" + members();
                    case WRITE -> ranges.toString();
                };
    }
}
