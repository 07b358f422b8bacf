package dev.pfs.chunkserver.replication;

import dev.pfs.chunkserver.wal.WalRecord;
import dev.pfs.common.volume.VolumeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when the replication log is rewritten to reclaim space, and rewrites it: to the
 * other half with only what recovery needs (every group's creation, hard state, epoch and
 * entries above its checkpoint), when that frees at least half of what is in use, or anything
 * when room is short. What cannot be freed (a member down keeps its groups from pruning) stays,
 * and writes are refused once room runs below the {@link #reserve}. Owned by the agent's thread,
 * which rewrites only with no log write in flight, and finishes no later round before the
 * rewrite is durable.
 */
final class LogReclaimer {
    private static final Logger LOG = LoggerFactory.getLogger(LogReclaimer.class);

    private final ReplicationLog log;
    /** The log's used bytes at which the next rewrite is tried. */
    private long nextReclaim;
    /** The tick round of the last forced try of a rewrite. */
    private long forcedRound = -1;
    /** Rewrites that reclaimed space. */
    final AtomicLong reclaims = new AtomicLong();

    LogReclaimer(ReplicationLog log) {
        this.log = log;
        this.nextReclaim = log.reclaimStep(log.halfSize() / 2);
    }

    /** @return room below which writes are refused: what is left must take the rounds already under way */
    long reserve() {
        return log.halfSize() / 4;
    }

    /** @return whether room is below the reserve */
    boolean roomShort() {
        return log.room() < reserve();
    }

    /** @return whether records of {@code bytes} and the reserve do not fit in the room left */
    boolean tight(long bytes) {
        return bytes + reserve() > log.room();
    }

    /** @return whether the log grew enough since the last try that a rewrite is worth trying */
    boolean due() {
        return log.used() >= nextReclaim;
    }

    /**
     * Starts a rewrite of the log if that frees enough (anything, with {@code force}); forced
     * tries are taken at most once per tick round, since collecting the live records costs their
     * number.
     *
     * @param live adds every live record, in replay order, to the list it is given
     * @return the rewrite's durability ({@link ReplicationLog#startRewrite}), or null if none started
     */
    CompletableFuture<Void> reclaim(boolean force, long tickRound, Consumer<List<WalRecord>> live) {
        if (force) {
            if (forcedRound == tickRound) {
                return null;
            }
            forcedRound = tickRound;
        }
        List<WalRecord> records = new ArrayList<>();
        live.accept(records);
        long liveBytes = bytes(records);
        long used = log.used();
        if (liveBytes >= used || liveBytes * 2 > used && !force) {
            nextReclaim = used + log.reclaimStep(log.halfSize() / 8);
            return null;
        }
        try {
            CompletableFuture<Void> durable = log.startRewrite(records);
            reclaims.incrementAndGet();
            nextReclaim = Math.max(log.reclaimStep(log.halfSize() / 2),
                    log.used() + log.reclaimStep(log.halfSize() / 4));
            LOG.debug("replication log rewrite started: {} bytes in use of {} become {}", used, log.halfSize(),
                    log.used());
            return durable;
        } catch (VolumeException e) {
            // Only NO_SPACE is thrown: the live records do not fit in a half, and nothing changed.
            nextReclaim = used + log.reclaimStep(log.halfSize() / 8);
            return null;
        }
    }

    static long bytes(List<WalRecord> records) {
        long n = 0;
        for (WalRecord r : records) {
            n += r.encodedLength();
        }
        return n;
    }
}
