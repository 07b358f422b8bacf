package dev.pfs.nativeio;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class LinuxClockTest {
    @Test
    void boottimeNeverGoesBackAndIsNeverBehindTheMonotonicClock() {
        long last = LinuxClock.boottimeNanos();
        for (int i = 0; i < 1000; i++) {
            long mono = System.nanoTime();
            long boot = LinuxClock.boottimeNanos();
            assertThat(boot).isGreaterThanOrEqualTo(last);
            // CLOCK_BOOTTIME = CLOCK_MONOTONIC + time suspended; both start at boot.
            assertThat(boot).isGreaterThanOrEqualTo(mono);
            last = boot;
        }
    }
}
