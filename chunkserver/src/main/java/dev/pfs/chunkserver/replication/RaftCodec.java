package dev.pfs.chunkserver.replication;

import dev.pfs.parallelraft.Entry;
import dev.pfs.parallelraft.EntryKind;
import dev.pfs.parallelraft.HardState;
import dev.pfs.parallelraft.LbaRange;
import dev.pfs.parallelraft.LbbSlot;
import dev.pfs.parallelraft.Message;
import dev.pfs.parallelraft.MessageType;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Binary forms of ParallelRaft's entries, hard states and messages, little-endian: entries and
 * hard states as the payloads of the replication log's records, messages as the payload of a
 * RAFT frame. Decoding refuses anything that does not parse with an {@link IllegalArgumentException}.
 */
public final class RaftCodec {
    /** Most list elements (ranges, slots, indices, entries, members) one decoded field may hold. */
    private static final int MAX_COUNT = 1 << 20;
    private static final MessageType[] TYPES = MessageType.values();
    private static final EntryKind[] KINDS = EntryKind.values();

    private RaftCodec() {
    }

    /** @return the encoded length of {@code e} */
    public static int entryLength(Entry e) {
        int n = 8 * 3 + 1 + 4 + 16 * e.ranges().size() + 4 + 4 + e.data().length;
        for (LbbSlot s : e.lbb()) {
            n += 16 + 4 + 16 * s.ranges().size();
        }
        return n;
    }

    /** @return {@code e} encoded in a new heap buffer */
    public static ByteBuffer encodeEntry(Entry e) {
        ByteBuffer b = ByteBuffer.allocate(entryLength(e)).order(ByteOrder.LITTLE_ENDIAN);
        putEntry(b, e);
        return b.flip();
    }

    private static void putEntry(ByteBuffer b, Entry e) {
        b.putLong(e.index()).putLong(e.term()).putLong(e.originTerm()).put((byte) e.kind().ordinal());
        putRanges(b, e.ranges());
        b.putInt(e.lbb().size());
        for (LbbSlot s : e.lbb()) {
            b.putLong(s.index()).putLong(s.originTerm());
            putRanges(b, s.ranges());
        }
        b.putInt(e.data().length).put(e.data());
    }

    private static void putRanges(ByteBuffer b, List<LbaRange> ranges) {
        b.putInt(ranges.size());
        for (LbaRange r : ranges) {
            b.putLong(r.start()).putLong(r.length());
        }
    }

    /** Decodes an entry from {@code b}'s position, advancing it. */
    public static Entry decodeEntry(ByteBuffer b) {
        try {
            ByteBuffer in = b.order(ByteOrder.LITTLE_ENDIAN);
            long index = in.getLong();
            long term = in.getLong();
            long origin = in.getLong();
            int kind = in.get();
            if (kind < 0 || kind >= KINDS.length) {
                throw new IllegalArgumentException("unknown entry kind " + kind);
            }
            List<LbaRange> ranges = getRanges(in);
            int slots = count(in.getInt());
            List<LbbSlot> lbb = new ArrayList<>(slots);
            for (int i = 0; i < slots; i++) {
                long si = in.getLong();
                long so = in.getLong();
                lbb.add(new LbbSlot(si, so, getRanges(in)));
            }
            byte[] data = new byte[count(in.getInt())];
            in.get(data);
            return new Entry(index, term, origin, KINDS[kind], ranges, lbb, data);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("entry truncated", e);
        }
    }

    private static List<LbaRange> getRanges(ByteBuffer b) {
        int n = count(b.getInt());
        List<LbaRange> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long start = b.getLong();
            long length = b.getLong();
            if (length <= 0) {
                throw new IllegalArgumentException("range of non-positive length " + length);
            }
            out.add(new LbaRange(start, length));
        }
        return out;
    }

    private static int count(int n) {
        if (n < 0 || n > MAX_COUNT) {
            throw new IllegalArgumentException("count " + n + " out of range");
        }
        return n;
    }

    /** @return {@code h} encoded in a new heap buffer */
    public static ByteBuffer encodeHardState(HardState h) {
        ByteBuffer b = ByteBuffer.allocate(8 + 4 + 8 * 3 + 4 + 4 * h.members().size() + 8)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.term()).putInt(h.votedFor()).putLong(h.commit()).putLong(h.compactIndex()).putLong(h.compactTerm());
        b.putInt(h.members().size());
        h.members().forEach(b::putInt);
        b.putLong(h.compactOrigin());
        return b.flip();
    }

    /** Decodes a hard state from {@code b}'s position. */
    public static HardState decodeHardState(ByteBuffer b) {
        try {
            ByteBuffer in = b.order(ByteOrder.LITTLE_ENDIAN);
            long term = in.getLong();
            int vote = in.getInt();
            long commit = in.getLong();
            long compact = in.getLong();
            long compactTerm = in.getLong();
            int n = count(in.getInt());
            List<Integer> members = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                members.add(in.getInt());
            }
            return new HardState(term, vote, commit, compact, compactTerm, members, in.getLong());
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("hard state truncated", e);
        }
    }

    /** @return the encoded length of {@code messages} */
    public static int messagesLength(List<Message> messages) {
        int n = 4;
        for (Message m : messages) {
            n += 1 + 4 + 4 + 8 * 4 + 1 + 4 + 8 * m.indices().length + 4 + 4 + m.data().length;
            for (Entry e : m.entries()) {
                n += entryLength(e);
            }
        }
        return n;
    }

    /** Encodes {@code messages} into {@code b} at its position. */
    public static void encodeMessages(List<Message> messages, ByteBuffer b) {
        ByteBuffer out = b.order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(messages.size());
        for (Message m : messages) {
            out.put((byte) m.type().ordinal()).putInt(m.from()).putInt(m.to()).putLong(m.term()).putLong(m.index())
                    .putLong(m.logTerm()).putLong(m.commit()).put((byte) (m.reject() ? 1 : 0));
            out.putInt(m.indices().length);
            for (long i : m.indices()) {
                out.putLong(i);
            }
            out.putInt(m.entries().size());
            for (Entry e : m.entries()) {
                putEntry(out, e);
            }
            out.putInt(m.data().length).put(m.data());
        }
    }

    /** Decodes the messages at {@code b}'s position. */
    public static List<Message> decodeMessages(ByteBuffer b) {
        try {
            ByteBuffer in = b.order(ByteOrder.LITTLE_ENDIAN);
            int n = count(in.getInt());
            List<Message> out = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                int type = in.get();
                if (type < 0 || type >= TYPES.length) {
                    throw new IllegalArgumentException("unknown message type " + type);
                }
                int from = in.getInt();
                int to = in.getInt();
                long term = in.getLong();
                long index = in.getLong();
                long logTerm = in.getLong();
                long commit = in.getLong();
                boolean reject = in.get() != 0;
                long[] indices = new long[count(in.getInt())];
                for (int i = 0; i < indices.length; i++) {
                    indices[i] = in.getLong();
                }
                int entries = count(in.getInt());
                List<Entry> es = new ArrayList<>(entries);
                for (int i = 0; i < entries; i++) {
                    es.add(decodeEntry(in));
                }
                byte[] data = new byte[count(in.getInt())];
                in.get(data);
                out.add(new Message(TYPES[type], from, to, term, index, logTerm, es, commit, indices, reject, data));
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the last message");
            }
            return out;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("messages truncated", e);
        }
    }
}
