package dev.pfs.common.clock;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PausableClockTest {
    @Test
    void aPausedMonotonicClockMissesThePauseWhileOthersRunOn() {
        AtomicLong world = new AtomicLong(1_000);
        PausableClock host = new PausableClock(world::get, PausableClock.Kind.MONOTONIC);
        PausableClock other = new PausableClock(world::get, PausableClock.Kind.MONOTONIC);
        host.pause();
        world.addAndGet(500);
        assertThat(host.getAsLong()).isEqualTo(1_000);
        assertThat(other.getAsLong()).isEqualTo(1_500);
        host.resume();
        world.addAndGet(10);
        assertThat(host.getAsLong()).isEqualTo(1_010);
    }

    @Test
    void aBoottimeClockCountsThePause() {
        AtomicLong world = new AtomicLong(1_000);
        PausableClock host = new PausableClock(world::get, PausableClock.Kind.BOOTTIME);
        host.pause();
        world.addAndGet(500);
        assertThat(host.isPaused()).isTrue();
        assertThat(host.getAsLong()).isEqualTo(1_000);
        host.resume();
        assertThat(host.getAsLong()).isEqualTo(1_500);
    }
}
