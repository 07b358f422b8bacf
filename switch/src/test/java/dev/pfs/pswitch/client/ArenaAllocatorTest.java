package dev.pfs.pswitch.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.common.volume.VolumeException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ArenaAllocatorTest {
    private static long far() {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    }

    @Test
    void handsOutDisjointPageAlignedRunsAndTakesThemBack() throws Exception {
        ArenaAllocator a = new ArenaAllocator(16 * 4096);
        long x = a.allocate(4096, far());
        long y = a.allocate(3 * 4096 - 512, far());
        long z = a.allocate(512, far());
        assertThat(x % 4096).isZero();
        assertThat(y).isNotIn(x);
        assertThat(a.usedPages()).isEqualTo(5);
        a.free(y, 3 * 4096 - 512);
        a.free(x, 4096);
        a.free(z, 512);
        assertThat(a.usedPages()).isZero();
    }

    @Test
    void findsARunAfterWrappingAround() throws Exception {
        ArenaAllocator a = new ArenaAllocator(4 * 4096);
        long first = a.allocate(2 * 4096, far());
        long second = a.allocate(2 * 4096, far());
        a.free(first, 2 * 4096);
        assertThat(a.allocate(2 * 4096, far())).isEqualTo(first);
        a.free(second, 2 * 4096);
    }

    @Test
    void waitsForRoomUntilSomeIsFreed() throws Exception {
        ArenaAllocator a = new ArenaAllocator(2 * 4096);
        long all = a.allocate(2 * 4096, far());
        CompletableFuture<Long> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return a.allocate(4096, far());
            } catch (VolumeException e) {
                throw new IllegalStateException(e);
            }
        });
        a.free(all, 2 * 4096);
        assertThat(waiting.get(30, TimeUnit.SECONDS)).isBetween(0L, 4096L);
    }

    @Test
    void failsWithUnavailableWhenNoRoomComesBeforeTheDeadline() throws Exception {
        ArenaAllocator a = new ArenaAllocator(4096);
        a.allocate(4096, far());
        assertThatThrownBy(() -> a.allocate(4096, System.nanoTime() + 1_000_000))
                .isInstanceOfSatisfying(VolumeException.class,
                        e -> assertThat(e.kind()).isEqualTo(VolumeException.Kind.UNAVAILABLE));
    }
}
