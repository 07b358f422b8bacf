package dev.pfs.chunkserver.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FrameBufferPoolTest {
    @Test
    void buffersAreAlignedSizedAndReused() throws Exception {
        FrameBufferPool pool = new FrameBufferPool(1 << 20);
        ByteBuffer a = pool.acquire(4608);
        assertThat(a.position()).isZero();
        assertThat(a.limit()).isEqualTo(4608);
        assertThat(a.capacity()).isEqualTo(8192);
        assertThat(MemorySegment.ofBuffer(a).address() % WalFrameDescriptor.ALIGNMENT).isZero();
        assertThat(pool.inUse()).isEqualTo(8192);
        pool.release(a);
        assertThat(pool.inUse()).isZero();
        ByteBuffer b = pool.acquire(5120);
        assertThat(MemorySegment.ofBuffer(b).address()).isEqualTo(MemorySegment.ofBuffer(a).address());
        assertThat(b.limit()).isEqualTo(5120);
    }

    @Test
    void framesLargerThanThePoolKeepsAreAllocatedSingly() throws Exception {
        FrameBufferPool pool = new FrameBufferPool(1 << 20);
        ByteBuffer big = pool.acquire(FrameBufferPool.MAX_POOLED + 512);
        assertThat(big.capacity()).isEqualTo(FrameBufferPool.MAX_POOLED + 512);
        pool.release(big);
        assertThat(pool.inUse()).isZero();
    }

    @Test
    void acquireWaitsWhileTooMuchIsInUse() throws Exception {
        FrameBufferPool pool = new FrameBufferPool(8192);
        ByteBuffer first = pool.acquire(8192);
        CompletableFuture<ByteBuffer> second = CompletableFuture.supplyAsync(() -> {
            try {
                return pool.acquire(4096);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // It cannot finish while the first frame is out; releasing it lets it through.
        assertThat(second).isNotDone();
        pool.release(first);
        assertThat(second.get(10, TimeUnit.SECONDS).limit()).isEqualTo(4096);
        assertThat(pool.inUse()).isEqualTo(4096);
    }
}
