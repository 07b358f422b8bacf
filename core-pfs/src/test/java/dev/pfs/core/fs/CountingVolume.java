package dev.pfs.core.fs;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.ForwardingVolume;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A volume that records the writes and flushes that reach the volume under it. */
final class CountingVolume extends ForwardingVolume {
    final List<Long> writeLengths = new ArrayList<>();
    int flushes;
    int fuaWrites;

    CountingVolume(BlockVolume inner) {
        super(inner);
    }

    synchronized void reset() {
        writeLengths.clear();
        flushes = 0;
        fuaWrites = 0;
    }

    @Override
    public synchronized CompletableFuture<Void> write(long offset, ByteBuffer src, long epoch, boolean fua) {
        writeLengths.add((long) src.remaining());
        fuaWrites += fua ? 1 : 0;
        return inner.write(offset, src, epoch, fua);
    }

    @Override
    public synchronized CompletableFuture<Void> flush() {
        flushes++;
        return inner.flush();
    }
}
