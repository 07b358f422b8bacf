package dev.pfs.common.volume;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link BlockVolume} that passes every request to another one; test volumes that count,
 * fence or fail requests extend it and override only what they change.
 */
public abstract class ForwardingVolume implements BlockVolume {
    /** The volume requests go to. */
    protected final BlockVolume inner;

    protected ForwardingVolume(BlockVolume inner) {
        this.inner = inner;
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
    public CompletableFuture<Void> write(long offset, ByteBuffer src, long epoch, boolean fua) {
        return inner.write(offset, src, epoch, fua);
    }

    @Override
    public CompletableFuture<Void> flush() {
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
