package dev.pfs.chunkserver.replication;

import dev.pfs.chunkserver.wal.WalRecord;
import dev.pfs.parallelraft.Ready;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One round of the replication agent: the Readies it took from its groups, the records they
 * log (one group commit), and, once started, the log write that makes them durable. Rounds are
 * finished strictly in the order they were started, each only once its own write and every
 * earlier one is durable (recovery stops at the first torn frame). Owned by the agent's thread.
 */
final class LogRound {
    final List<ReplicaGroup> groups = new ArrayList<>();
    final List<Ready> readies = new ArrayList<>();
    /** Groups whose Ready's messages left before the log write (a leader's APPENDs and heartbeats). */
    final Set<ReplicaGroup> early = new HashSet<>();
    final List<WalRecord> records = new ArrayList<>();
    /** Group creations whose record is in {@link #records}: answered once it is durable. */
    final List<CompletableFuture<byte[]>> created = new ArrayList<>();
    /** Whether this round is a rewrite of the log to reclaim space, with no Readies ({@link LogReclaimer}). */
    boolean rewrite;
    /** When its log write started (nanoTime). */
    long started;
    /** Done once the round's records are durable; null until started (and for a round with none). */
    CompletableFuture<Void> durable;

    void add(ReplicaGroup g, Ready rd) {
        groups.add(g);
        readies.add(rd);
    }

    boolean isEmpty() {
        return groups.isEmpty() && records.isEmpty() && created.isEmpty();
    }

    /** @return whether the round may be finished: its write (if any) is done */
    boolean written() {
        return durable == null || durable.isDone();
    }
}
