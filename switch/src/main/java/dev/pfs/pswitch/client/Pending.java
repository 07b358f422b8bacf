package dev.pfs.pswitch.client;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * One request posted to the switch and not yet answered: enough to post it again to a new
 * switch, and where its answer goes. Only reads carry {@code destination}; only reads and
 * writes hold {@code arenaOffset} (else -1).
 */
final class Pending {
    final long id;
    final int op;
    final long volumeOffset;
    final long length;
    final long arenaOffset;
    final long epoch;
    final int flags;
    final long deadlineNanos;
    final ByteBuffer destination;
    final CompletableFuture<Long> future = new CompletableFuture<>();
    /** Its caller was told it timed out; its arena stays reserved until the switch answers or is replaced. */
    volatile boolean abandoned;

    Pending(long id, int op, long volumeOffset, long length, long arenaOffset, long epoch, int flags,
            long deadlineNanos, ByteBuffer destination) {
        this.id = id;
        this.op = op;
        this.volumeOffset = volumeOffset;
        this.length = length;
        this.arenaOffset = arenaOffset;
        this.epoch = epoch;
        this.flags = flags;
        this.deadlineNanos = deadlineNanos;
        this.destination = destination;
    }
}
