package dev.pfs.chunkserver.wal;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.ForwardingVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * A volume whose writes stay in flight, not yet on the inner volume, until they are landed, in
 * any order: a later write can be durable (the inner volume is a {@code FaultyVolume}, whose
 * FUA write persists only itself) while an earlier one is not there at all. This is what a
 * device with several outstanding writes does, and the hole a pipelined log must survive.
 * {@link #drop} loses every write still in flight, as a power cut does.
 *
 * <p>Either the test lands writes itself ({@link #land}), or {@link #autoLand} lands them in a
 * seeded random order on later calls and after a short while on a background thread, so that
 * nobody waits for a write for good. Writes on the caller's thread ({@link #writeAndWait}) land
 * at once, after the writes in flight before them landed or were dropped in a random order.
 */
public final class ReorderingVolume extends ForwardingVolume {
    private record Held(long number, long offset, ByteBuffer data, long epoch, boolean fua,
                        CompletableFuture<Void> future) {
    }

    private final List<Held> held = new ArrayList<>();
    private long issued;
    private long highestLanded = -1;
    private int overtaken;
    private int holes;
    private final Random random;
    private volatile boolean auto;
    private boolean dropped;
    private Thread lander;

    /** @param seed orders the landings of {@link #autoLand} */
    public ReorderingVolume(BlockVolume inner, long seed) {
        super(inner);
        this.random = new Random(seed);
    }

    /**
     * Lands held writes by themselves: each new write lands a random one of those in flight
     * when more than a random few are, and a daemon thread lands the rest within about a
     * millisecond.
     */
    public synchronized ReorderingVolume autoLand() {
        auto = true;
        if (lander == null) {
            lander = Thread.ofPlatform().daemon().name("reordering-volume-lander").start(this::landLater);
        }
        return this;
    }

    private void landLater() {
        try {
            while (auto) {
                Thread.sleep(0, 200_000 + random.nextInt(800_000));
                if (held() > 0) {
                    land(randomIndex());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized int randomIndex() {
        return held.isEmpty() ? -1 : random.nextInt(held.size());
    }

    /** @return writes in flight */
    public synchronized int held() {
        return held.size();
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, long epoch, boolean fua) {
        ByteBuffer copy = ByteBuffer.allocate(src.remaining());
        copy.put(src.duplicate()).flip();
        CompletableFuture<Void> f = new CompletableFuture<>();
        int landNow = -1;
        synchronized (this) {
            if (dropped) {
                return VolumeException.failed(VolumeException.Kind.IO, "power lost with writes in flight");
            }
            held.add(new Held(issued++, offset, copy, epoch, fua, f));
            if (auto && held.size() > 1 + random.nextInt(4)) {
                landNow = random.nextInt(held.size());
            }
        }
        if (landNow >= 0) {
            land(landNow);
        }
        return f.thenApply(v -> {
            src.position(src.limit());
            return v;
        });
    }

    @Override
    public void writeAndWait(long offset, ByteBuffer src, long epoch, boolean fua) throws VolumeException {
        while (true) {
            int i = randomIndex();
            if (i < 0) {
                break;
            }
            land(i);
        }
        VolumeException.await(inner.write(offset, src, epoch, fua));
    }

    /**
     * Lands the {@code i}-th write in flight (in issue order) on the inner volume and completes
     * it with the inner volume's answer; does nothing if there is no such write.
     */
    public void land(int i) {
        Held h;
        synchronized (this) {
            if (i < 0 || i >= held.size()) {
                return;
            }
            h = held.remove(i);
            if (i > 0) {
                overtaken++;
            }
            highestLanded = Math.max(highestLanded, h.number);
        }
        inner.write(h.offset, h.data, h.epoch, h.fua).whenComplete((v, t) -> {
            if (t == null) {
                h.future.complete(null);
            } else {
                h.future.completeExceptionally(t);
            }
        });
    }

    /** Loses every write in flight, as a power cut does: they fail and never reach the inner volume. */
    public void drop() {
        List<Held> lost;
        synchronized (this) {
            dropped = true;
            auto = false;
            lost = new ArrayList<>(held);
            held.clear();
            for (Held h : lost) {
                if (h.number < highestLanded) {
                    holes++;
                }
            }
        }
        for (Held h : lost) {
            h.future.completeExceptionally(new VolumeException(VolumeException.Kind.IO, "power lost in flight"));
        }
    }

    /**
     * Cuts the power with a hole if it can: stops landing writes by itself, waits up to
     * {@code waitMillis} for two writes in flight, lands the newest and loses the rest.
     */
    public void dropWithHole(long waitMillis) throws InterruptedException {
        stopAutoLand();
        long end = System.nanoTime() + waitMillis * 1_000_000;
        while (held() < 2 && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        int newest = held() - 1;
        if (newest > 0) {
            land(newest);
        }
        drop();
    }

    /** @return writes that landed before one issued earlier */
    public synchronized int overtaken() {
        return overtaken;
    }

    /** @return writes {@link #drop} lost while one issued after them had landed: holes in the log */
    public synchronized int holes() {
        return holes;
    }

    /** Stops landing writes by itself (see {@link #autoLand}). */
    public void stopAutoLand() {
        auto = false;
    }
}
