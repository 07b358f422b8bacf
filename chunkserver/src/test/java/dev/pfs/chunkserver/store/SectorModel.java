package dev.pfs.chunkserver.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What each 512 B sector of a chunk may hold after a crash. Every write fills its sectors with a
 * pattern naming the write and the sector, so a read tells exactly which write it came from;
 * write id 0 means zeros. After a crash a sector may show the last acknowledged write to it or
 * any write to it issued later, nothing else. Callers never keep two overlapping writes in
 * flight, so issue order is the order the store saw.
 */
final class SectorModel {
    private final Map<Long, List<Integer>> history = new HashMap<>();
    private final Map<Long, Integer> lastAcked = new HashMap<>();

    private static long key(long chunk, long sector) {
        return chunk << 32 | sector;
    }

    /** Records that write {@code id} (0 for zeros) to these sectors was issued. */
    void issued(long chunk, long firstSector, int sectors, int id) {
        for (int s = 0; s < sectors; s++) {
            history.computeIfAbsent(key(chunk, firstSector + s), k -> new ArrayList<>(List.of(0))).add(id);
        }
    }

    /** Records that write {@code id} was acknowledged. */
    void acked(long chunk, long firstSector, int sectors, int id) {
        for (int s = 0; s < sectors; s++) {
            List<Integer> h = history.get(key(chunk, firstSector + s));
            int at = h.lastIndexOf(id);
            lastAcked.merge(key(chunk, firstSector + s), at, Math::max);
        }
    }

    /** @return null if the sector's content is allowed, else a description of the violation */
    String check(long chunk, long sector, int foundId) {
        List<Integer> h = history.getOrDefault(key(chunk, sector), List.of(0));
        int from = lastAcked.getOrDefault(key(chunk, sector), 0);
        if (h.subList(from, h.size()).contains(foundId)) {
            return null;
        }
        return "chunk " + chunk + " sector " + sector + ": found write " + foundId + ", allowed "
                + h.subList(from, h.size()) + " (history " + h + ")";
    }

    /** After recovery: what was read is now the truth, acknowledged. */
    void settle(long chunk, long sector, int foundId) {
        history.put(key(chunk, sector), new ArrayList<>(List.of(foundId)));
        lastAcked.put(key(chunk, sector), 0);
    }

    /** Fills a buffer with write {@code id}'s pattern for the sectors starting at {@code firstSector}. */
    static ByteBuffer pattern(long chunk, long firstSector, int sectors, int id) {
        ByteBuffer b = ByteBuffer.allocateDirect(sectors * 512);
        for (int s = 0; s < sectors; s++) {
            for (int i = 0; i < 512; i += 16) {
                b.putInt(s * 512 + i, id).putInt(s * 512 + i + 4, (int) chunk)
                        .putInt(s * 512 + i + 8, (int) (firstSector + s)).putInt(s * 512 + i + 12, ~id);
            }
        }
        return b;
    }

    /**
     * @return the write id the sector holds, or -1 if it is neither zeros nor a whole pattern
     *         for this chunk and sector (never-written or foreign data)
     */
    static int decode(ByteBuffer b, int at, long chunk, long sector) {
        boolean zero = true;
        for (int i = 0; i < 512; i++) {
            if (b.get(at + i) != 0) {
                zero = false;
                break;
            }
        }
        if (zero) {
            return 0;
        }
        int id = b.getInt(at);
        for (int i = 0; i < 512; i += 16) {
            if (b.getInt(at + i) != id || b.getInt(at + i + 4) != (int) chunk
                    || b.getInt(at + i + 8) != (int) sector || b.getInt(at + i + 12) != ~id) {
                return -1;
            }
        }
        return id;
    }
}
