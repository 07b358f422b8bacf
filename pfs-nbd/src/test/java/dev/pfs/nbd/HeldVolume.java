package dev.pfs.nbd;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.ForwardingVolume;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A volume whose reads wait until the test lets each one complete, in any order it likes. */
final class HeldVolume extends ForwardingVolume {
    private record Held(long offset, ByteBuffer dst, CompletableFuture<Void> done) {
    }

    private final List<Held> held = new ArrayList<>();

    HeldVolume(BlockVolume inner) {
        super(inner);
    }

    @Override
    public synchronized CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        held.add(new Held(offset, dst, done));
        return done;
    }

    synchronized int waiting() {
        return (int) held.stream().filter(h -> !h.done().isDone()).count();
    }

    /** Lets the {@code i}-th read (in arrival order) complete. */
    void complete(int i) {
        Held h;
        synchronized (this) {
            h = held.get(i);
        }
        inner.read(h.offset(), h.dst()).whenComplete((v, e) -> {
            if (e != null) {
                h.done().completeExceptionally(e);
            } else {
                h.done().complete(null);
            }
        });
    }
}
