package dev.pfs.chunkserver.system;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What a one-at-a-time writer of sector-stamped writes learned: per sector the last acknowledged
 * write and the writes after it that got no answer (each may or may not have landed). A sector of
 * write {@code id} holds {@code id} in every 8-byte word.
 */
final class AckLedger {
    static final int SECTOR = 512;

    /** Held by the writer around each write; a checker takes it to stop writes (fair: it gets its turn). */
    final ReentrantLock gate = new ReentrantLock(true);
    private final long[] acked;
    private final List<Set<Long>> unsure = new ArrayList<>();
    private long acks;
    private long failures;

    AckLedger(int sectors) {
        acked = new long[sectors];
        for (int i = 0; i < sectors; i++) {
            unsure.add(new HashSet<>());
        }
    }

    /** @return a write's payload: {@code id} in every word of {@code count} sectors */
    static ByteBuffer payload(long id, int count) {
        ByteBuffer b = ByteBuffer.allocate(count * SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            b.putLong(id);
        }
        return b.flip();
    }

    synchronized void acknowledged(long id, int first, int count) {
        for (int s = first; s < first + count; s++) {
            acked[s] = id;
            unsure.get(s).clear();
        }
        acks++;
    }

    synchronized void failed(long id, int first, int count) {
        for (int s = first; s < first + count; s++) {
            unsure.get(s).add(id);
        }
        failures++;
    }

    synchronized long acks() {
        return acks;
    }

    synchronized long failures() {
        return failures;
    }

    /**
     * @param all the whole volume as read
     * @return one line per sector that is torn or holds neither its last acknowledged write nor a
     *         later unanswered one (at most 20 lines, then a count)
     */
    synchronized List<String> wrong(ByteBuffer all) {
        ByteBuffer b = all.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        List<String> out = new ArrayList<>();
        int bad = 0;
        for (int s = 0; s < acked.length; s++) {
            long got = b.getLong(s * SECTOR);
            String why = null;
            for (int i = 8; i < SECTOR; i += 8) {
                if (b.getLong(s * SECTOR + i) != got) {
                    why = "sector " + s + " is torn";
                    break;
                }
            }
            if (why == null && got != acked[s] && !unsure.get(s).contains(got)) {
                why = "sector " + s + " holds write " + got + ", last acknowledged " + acked[s] + ", unanswered since "
                        + unsure.get(s);
            }
            if (why != null && bad++ < 20) {
                out.add(why);
            }
        }
        if (bad > 20) {
            out.add("... " + (bad - 20) + " more sectors");
        }
        return out;
    }
}
