package dev.pfs.core.fs;

import dev.pfs.common.volume.BlockVolume;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A volume that records the writes and flushes that reach the volume under it. */
final class CountingVolume implements BlockVolume {
    private final BlockVolume inner;
    final List<Long> writeLengths = new ArrayList<>();
    int flushes;
    int fuaWrites;

    CountingVolume(BlockVolume inner) {
        this.inner = inner;
    }

    synchronized void reset() {
        writeLengths.clear();
        flushes = 0;
        fuaWrites = 0;
    }

    @Override
    public long size() {
        return inner.size();
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return inner.read(offset, dst);
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

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return inner.discard(offset, length);
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, long epoch) {
        return inner.writeZeroes(offset, length, epoch);
    }

    @Override
    public CompletableFuture<Void> resize(long newSize) {
        return inner.resize(newSize);
    }

    @Override
    public void close() {
        inner.close();
    }
}
