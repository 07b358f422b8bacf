package dev.pfs.core.fs;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * The volume as a mount's file system sees it: every request that changes the volume is
 * checked right before it is issued. A RW mount checks that its lease is still valid (a write
 * after the lease ran out could land after another host took over, on a volume that does not
 * fence); a RO mount refuses every change, so that it cannot write even by mistake.
 */
final class GuardedVolume implements BlockVolume {
    private final BlockVolume inner;
    private final BooleanSupplier mayWrite;
    private final String refusal;

    private GuardedVolume(BlockVolume inner, BooleanSupplier mayWrite, String refusal) {
        this.inner = inner;
        this.mayWrite = mayWrite;
        this.refusal = refusal;
    }

    /** @return a view that writes only while {@code leaseValid} holds */
    static GuardedVolume leased(BlockVolume inner, BooleanSupplier leaseValid) {
        return new GuardedVolume(inner, leaseValid, "this host's RW lease ran out; it may no longer write");
    }

    /** @return a view that never writes */
    static GuardedVolume readOnly(BlockVolume inner) {
        return new GuardedVolume(inner, () -> false, "a read-only mount never writes");
    }

    private <T> CompletableFuture<T> refused() {
        return VolumeException.failed(VolumeException.Kind.STALE_EPOCH, refusal);
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
        return mayWrite.getAsBoolean() ? inner.write(offset, src, epoch, fua) : refused();
    }

    @Override
    public void writeAndWait(long offset, ByteBuffer src, long epoch, boolean fua) throws VolumeException {
        if (!mayWrite.getAsBoolean()) {
            throw new VolumeException(VolumeException.Kind.STALE_EPOCH, refusal);
        }
        inner.writeAndWait(offset, src, epoch, fua);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return mayWrite.getAsBoolean() ? inner.flush() : refused();
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return mayWrite.getAsBoolean() ? inner.discard(offset, length) : refused();
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, long epoch) {
        return mayWrite.getAsBoolean() ? inner.writeZeroes(offset, length, epoch) : refused();
    }

    @Override
    public CompletableFuture<Void> resize(long newSize) {
        return mayWrite.getAsBoolean() ? inner.resize(newSize) : refused();
    }

    @Override
    public void close() {
        inner.close();
    }
}
