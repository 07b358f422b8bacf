package dev.pfs.nativeio;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Linux's CLOCK_BOOTTIME through FFM: monotonic like {@link System#nanoTime()} (which reads
 * CLOCK_MONOTONIC), but it also counts the time the system was suspended. A lease measured on
 * CLOCK_MONOTONIC stops while the host sleeps, so a host that resumes believes it still holds a
 * lease every other host saw run out; on CLOCK_BOOTTIME it sees the lease gone.
 *
 * <p>Neither clock counts a pause the guest cannot see (a hypervisor stopping a VM with its
 * clock, as QEMU does with kvmclock): only fencing protects against that, see docs/disk-paxos.md.
 */
public final class LinuxClock {
    /** clockid_t of CLOCK_BOOTTIME in Linux's uapi headers. */
    static final int CLOCK_BOOTTIME = 7;

    private static final MethodHandle CLOCK_GETTIME = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("clock_gettime")
                    .orElseThrow(() -> new UnsatisfiedLinkError("libc has no clock_gettime")),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));

    /** One timespec (two longs on x86-64 and arm64 Linux) per thread, so a reading allocates nothing. */
    private static final ThreadLocal<MemorySegment> TIMESPEC =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(16, 8));

    private LinuxClock() {
    }

    /**
     * @return CLOCK_BOOTTIME in nanoseconds: never goes back, counts suspended time
     * @throws IllegalStateException if the kernel refuses the clock (Linux before 2.6.39)
     */
    public static long boottimeNanos() {
        MemorySegment ts = TIMESPEC.get();
        int rc;
        try {
            rc = (int) CLOCK_GETTIME.invokeExact(CLOCK_BOOTTIME, ts);
        } catch (Throwable t) {
            throw new AssertionError("FFM downcall failed", t);
        }
        if (rc != 0) {
            throw new IllegalStateException("clock_gettime(CLOCK_BOOTTIME) failed");
        }
        return ts.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + ts.get(ValueLayout.JAVA_LONG, 8);
    }
}
