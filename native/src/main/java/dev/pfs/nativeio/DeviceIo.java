package dev.pfs.nativeio;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Whole-message reads and writes on a character device descriptor (such as {@code /dev/fuse},
 * where one read(2) returns one request and one write(2) sends one reply), and mount(2) /
 * umount2(2).
 *
 * <p>The read and write calls take a {@link CallState} the caller keeps per thread, so that the
 * hot path allocates nothing; they return the errno as a negative number instead of throwing,
 * because on a device an errno such as ENOENT (a reply to an interrupted request) or ENODEV (the
 * file system was unmounted) is an answer, not a failure.
 */
public final class DeviceIo {
    /** errno: no such device (a FUSE device whose mount is gone). */
    public static final int ENODEV = 19;
    /** errno: no such file or directory (a FUSE reply to a request the kernel no longer waits for). */
    public static final int ENOENT = 2;
    /** mount(2) flag: ignore set-user-ID bits. */
    public static final long MS_NOSUID = 2;
    /** mount(2) flag: no device files. */
    public static final long MS_NODEV = 4;
    /** mount(2) flag: read-only. */
    public static final long MS_RDONLY = 1;
    /** umount2(2) flag: detach now, clean up when no longer busy. */
    public static final int MNT_DETACH = 2;


    private static final MethodHandle READ = Libc.downcall("read", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle WRITE = Libc.downcall("write", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle MOUNT = Libc.downcall("mount", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
            ValueLayout.ADDRESS));
    private static final MethodHandle UMOUNT2 = Libc.downcall("umount2", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle GETEUID = Libc.plain("geteuid",
            FunctionDescriptor.of(ValueLayout.JAVA_INT));

    private DeviceIo() {
    }

    /** Where a call leaves its errno; one per thread, reused for every call. */
    public static final class CallState {
        private final MemorySegment segment;

        /** Allocates the state in {@code arena}. */
        public CallState(Arena arena) {
            this.segment = Libc.allocateState(arena);
        }

        int errno() {
            return Libc.errno(segment);
        }
    }

    /**
     * One read(2) into {@code buf}, retried on EINTR.
     *
     * @return the bytes read, or a negative errno
     */
    public static long read(CallState state, int fd, MemorySegment buf) {
        return transfer(READ, state, fd, buf);
    }

    /**
     * One write(2) of all of {@code buf}, retried on EINTR.
     *
     * @return the bytes written, or a negative errno
     */
    public static long write(CallState state, int fd, MemorySegment buf) {
        return transfer(WRITE, state, fd, buf);
    }

    private static long transfer(MethodHandle call, CallState state, int fd, MemorySegment buf) {
        try {
            while (true) {
                long n = (long) call.invokeExact(state.segment, fd, buf, buf.byteSize());
                if (n >= 0 || state.errno() != NativeIoException.EINTR) {
                    return n >= 0 ? n : -state.errno();
                }
            }
        } catch (Throwable t) {
            throw new AssertionError("FFM downcall failed", t);
        }
    }

    /** mount(2). */
    public static void mount(String source, String target, String type, long flags, String data)
            throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            CallState state = new CallState(arena);
            int rc = (int) MOUNT.invokeExact(state.segment, arena.allocateFrom(source),
                    arena.allocateFrom(target), arena.allocateFrom(type), flags, arena.allocateFrom(data));
            if (rc != 0) {
                throw new NativeIoException("mount " + type + " at " + target, state.errno());
            }
        } catch (NativeIoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("FFM downcall failed", t);
        }
    }

    /** umount2(2) with {@code flags} (0 or {@link #MNT_DETACH}). */
    public static void umount(String target, int flags) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            CallState state = new CallState(arena);
            int rc = (int) UMOUNT2.invokeExact(state.segment, arena.allocateFrom(target), flags);
            if (rc != 0) {
                throw new NativeIoException("umount " + target, state.errno());
            }
        } catch (NativeIoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("FFM downcall failed", t);
        }
    }

    /** @return the effective user id of this process */
    public static int geteuid() {
        try {
            return (int) GETEUID.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError("FFM downcall failed", t);
        }
    }
}
