package dev.pfs.core.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.core.lease.LeaseClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Defect 8 of issue 11: mounts measure their lease on a clock that counts suspended time. */
@Timeout(10)
class LeaseClockTest {
    @Test
    void mountsMeasureTheLeaseOnClockBoottime() {
        assertThat(FileSystems.MountHooks.DEFAULT.clock()).isSameAs(LeaseClock.BOOTTIME);
    }
}
