package dev.pfs.nativeio;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Mounts {@code /dev/fuse} without root, the way libfuse does: runs the set-user-ID
 * {@code fusermount3} with one end of a unix socket pair named in {@code _FUSE_COMMFD}; it
 * mounts and sends the device descriptor back over the socket (SCM_RIGHTS).
 *
 * <pre>
 * struct msghdr (56): 0 name  8 namelen  16 iov  24 iovlen  32 control  40 controllen  48 flags
 * struct iovec (16):  0 base  8 len
 * struct cmsghdr:     0 len u64  8 level s32  12 type s32  16 data (one int: the descriptor)
 * </pre>
 */
public final class Fusermount {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;

    private static final MethodHandle SOCKETPAIR = Libc.downcall("socketpair", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle POSIX_SPAWNP = Libc.downcall("posix_spawnp", FunctionDescriptor.of(
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle WAITPID = Libc.downcall("waitpid", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Fusermount() {
    }

    /**
     * Runs {@code fusermount3 -o options -- mountPoint} and returns the FUSE device descriptor it
     * mounted.
     *
     * @throws NativeIoException when a call fails, or fusermount3 exits non-zero (its message
     *                           went to this process's standard error)
     */
    public static int mount(String mountPoint, String options) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.allocateState(arena);
            MemorySegment sv = arena.allocate(ValueLayout.JAVA_INT, 2);
            if ((int) SOCKETPAIR.invokeExact(state, AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
                throw new NativeIoException("socketpair", Libc.errno(state));
            }
            int ours = sv.getAtIndex(ValueLayout.JAVA_INT, 0);
            int theirs = sv.getAtIndex(ValueLayout.JAVA_INT, 1);
            try {
                int pid = spawn(arena, state, theirs, List.of("fusermount3", "-o", options, "--", mountPoint));
                LinuxIo.close(theirs);
                theirs = -1;
                int fd = receiveDescriptor(ours);
                MemorySegment status = arena.allocate(ValueLayout.JAVA_INT);
                int rc = (int) WAITPID.invokeExact(state, pid, status, 0);
                int exit = (status.get(ValueLayout.JAVA_INT, 0) >> 8) & 0xff;
                if (rc < 0 || exit != 0 || fd < 0) {
                    if (fd >= 0) {
                        LinuxIo.close(fd);
                    }
                    throw new NativeIoException("fusermount3 " + mountPoint + " (exit " + exit + ")",
                            NativeIoException.EINVAL);
                }
                return fd;
            } finally {
                LinuxIo.close(ours);
                if (theirs >= 0) {
                    LinuxIo.close(theirs);
                }
            }
        } catch (NativeIoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("FFM downcall failed", t);
        }
    }

    private static int spawn(Arena arena, MemorySegment state, int commFd, List<String> args) throws Throwable {
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> e : System.getenv().entrySet()) {
            env.add(e.getKey() + "=" + e.getValue());
        }
        env.add("_FUSE_COMMFD=" + commFd);
        MemorySegment pid = arena.allocate(ValueLayout.JAVA_INT);
        int rc = (int) POSIX_SPAWNP.invokeExact(state, pid, arena.allocateFrom(args.get(0)), MemorySegment.NULL,
                MemorySegment.NULL, strings(arena, args), strings(arena, env));
        if (rc != 0) {
            throw new NativeIoException("posix_spawnp fusermount3 (is fuse3 installed?)", rc);
        }
        return pid.get(ValueLayout.JAVA_INT, 0);
    }

    private static MemorySegment strings(Arena arena, List<String> values) {
        MemorySegment array = arena.allocate(ValueLayout.ADDRESS, values.size() + 1);
        for (int i = 0; i < values.size(); i++) {
            array.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(values.get(i)));
        }
        array.setAtIndex(ValueLayout.ADDRESS, values.size(), MemorySegment.NULL);
        return array;
    }

    /** @return the descriptor fusermount3 sent, or -1 if it sent none (it failed) */
    private static int receiveDescriptor(int socket) throws NativeIoException {
        UnixSocket.Received r = UnixSocket.receive(socket, new byte[1]);
        return r.length() > 0 ? r.descriptor() : -1;
    }
}
