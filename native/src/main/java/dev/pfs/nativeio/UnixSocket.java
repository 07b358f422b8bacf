package dev.pfs.nativeio;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * Unix-domain sequenced-packet sockets with what the JDK's channels lack: the peer's
 * credentials ({@code SO_PEERCRED}) and descriptors passed with {@code SCM_RIGHTS}. Every
 * descriptor is opened close-on-exec; the caller closes it with {@link LinuxIo#close(int)}.
 * Calls interrupted by a signal are retried.
 *
 * <pre>
 * struct sockaddr_un (110): 0 family u16 (AF_UNIX)  2 path[108], NUL-terminated
 * struct ucred (12):        0 pid s32  4 uid u32  8 gid u32
 * struct msghdr (56):       0 name  8 namelen  16 iov  24 iovlen  32 control  40 controllen  48 flags
 * struct iovec (16):        0 base  8 len
 * struct cmsghdr:           0 len u64  8 level s32  12 type s32  16 data (one int: the descriptor)
 * </pre>
 */
public final class UnixSocket {
    /** The longest socket path the kernel takes (sun_path less its NUL). */
    public static final int MAX_PATH_BYTES = 107;

    private static final int AF_UNIX = 1;
    private static final int SOCK_SEQPACKET = 5;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_PEERCRED = 17;
    private static final int SCM_RIGHTS = 1;
    private static final int SHUT_RDWR = 2;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int SOCKADDR_UN_SIZE = 110;
    private static final int CMSG_LEN_ONE_FD = 20;
    private static final int CMSG_SPACE_ONE_FD = 24;
    private static final int MSGHDR_SIZE = 56;
    private static final int ECONNREFUSED = 111;

    private static final MethodHandle SOCKET = Libc.downcall("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle BIND = Libc.downcall("bind", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle LISTEN = Libc.downcall("listen", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle ACCEPT4 = Libc.downcall("accept4", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CONNECT = Libc.downcall("connect", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle GETSOCKOPT = Libc.downcall("getsockopt", FunctionDescriptor.of(
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle SENDMSG = Libc.downcall("sendmsg", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle RECVMSG = Libc.downcall("recvmsg", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle SHUTDOWN = Libc.downcall("shutdown", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    /** Who is at the other end of a connected socket, as the kernel saw it at connect time. */
    public record PeerCredentials(int pid, int uid, int gid) {
    }

    /**
     * One received packet: its length in the caller's buffer (0 when the peer closed) and the
     * descriptor that came with it, or -1.
     */
    public record Received(int length, int descriptor) {
    }

    private UnixSocket() {
    }

    /**
     * Binds a listening socket at {@code path} (which must not exist) with {@code backlog}.
     *
     * @return the listening descriptor
     */
    public static int listen(String path, int backlog) throws NativeIoException {
        int fd = socket();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.allocateState(arena);
            if ((int) BIND.invokeExact(state, fd, address(arena, path), SOCKADDR_UN_SIZE) != 0) {
                throw new NativeIoException("bind " + path, Libc.errno(state));
            }
            if ((int) LISTEN.invokeExact(state, fd, backlog) != 0) {
                throw new NativeIoException("listen " + path, Libc.errno(state));
            }
            return fd;
        } catch (Throwable t) {
            closeQuietly(fd);
            throw rethrow(t);
        }
    }

    /**
     * Waits for a connection on a listening socket.
     *
     * @return the connected descriptor
     * @throws NativeIoException when the socket was shut down ({@link #shutdown(int)}) or fails
     */
    public static int accept(int listening) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.allocateState(arena);
            while (true) {
                int fd = (int) ACCEPT4.invokeExact(state, listening, MemorySegment.NULL, MemorySegment.NULL,
                        SOCK_CLOEXEC);
                if (fd >= 0) {
                    return fd;
                }
                if (Libc.errno(state) != NativeIoException.EINTR) {
                    throw new NativeIoException("accept", Libc.errno(state));
                }
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Connects to the socket at {@code path}.
     *
     * @return the connected descriptor
     * @throws NativeIoException ECONNREFUSED when nobody listens there, ENOENT when no socket
     *                           exists
     */
    public static int connect(String path) throws NativeIoException {
        int fd = socket();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.allocateState(arena);
            MemorySegment address = address(arena, path);
            while ((int) CONNECT.invokeExact(state, fd, address, SOCKADDR_UN_SIZE) != 0) {
                if (Libc.errno(state) != NativeIoException.EINTR) {
                    throw new NativeIoException("connect " + path, Libc.errno(state));
                }
            }
            return fd;
        } catch (Throwable t) {
            closeQuietly(fd);
            throw rethrow(t);
        }
    }

    /** @return whether {@code e} says nobody listens on the socket (a stale socket file) */
    public static boolean isRefused(NativeIoException e) {
        return e.errno() == ECONNREFUSED;
    }

    /** @return the credentials of the process that connected {@code fd} */
    public static PeerCredentials peerCredentials(int fd) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.allocateState(arena);
            MemorySegment ucred = arena.allocate(12, 4);
            MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
            length.set(ValueLayout.JAVA_INT, 0, 12);
            if ((int) GETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, SO_PEERCRED, ucred, length) != 0) {
                throw new NativeIoException("getsockopt SO_PEERCRED", Libc.errno(state));
            }
            return new PeerCredentials(ucred.get(ValueLayout.JAVA_INT, 0), ucred.get(ValueLayout.JAVA_INT, 4),
                    ucred.get(ValueLayout.JAVA_INT, 8));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Sends one packet of {@code length} bytes of {@code data}, with {@code descriptor} attached
     * when it is not negative (the receiver gets its own descriptor for the same open file).
     */
    public static void send(int fd, byte[] data, int length, int descriptor) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.allocateState(arena);
            MemorySegment bytes = arena.allocate(Math.max(1, length));
            MemorySegment.copy(data, 0, bytes, ValueLayout.JAVA_BYTE, 0, length);
            MemorySegment control = descriptor < 0 ? MemorySegment.NULL : arena.allocate(CMSG_SPACE_ONE_FD, 8);
            if (descriptor >= 0) {
                control.set(ValueLayout.JAVA_LONG, 0, CMSG_LEN_ONE_FD);
                control.set(ValueLayout.JAVA_INT, 8, SOL_SOCKET);
                control.set(ValueLayout.JAVA_INT, 12, SCM_RIGHTS);
                control.set(ValueLayout.JAVA_INT, 16, descriptor);
            }
            MemorySegment msg = message(arena, bytes, length, control, descriptor < 0 ? 0 : CMSG_SPACE_ONE_FD);
            long n;
            do {
                n = (long) SENDMSG.invokeExact(state, fd, msg, MSG_NOSIGNAL);
            } while (n < 0 && Libc.errno(state) == NativeIoException.EINTR);
            if (n < 0) {
                throw new NativeIoException("sendmsg", Libc.errno(state));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Waits for one packet into {@code data} (a longer packet is cut to its size) and takes the
     * descriptor that came with it, if any.
     *
     * @return the packet's length, 0 when the peer closed or the socket was shut down
     */
    public static Received receive(int fd, byte[] data) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.allocateState(arena);
            MemorySegment bytes = arena.allocate(Math.max(1, data.length));
            MemorySegment control = arena.allocate(CMSG_SPACE_ONE_FD, 8);
            MemorySegment msg = message(arena, bytes, data.length, control, CMSG_SPACE_ONE_FD);
            long n;
            do {
                n = (long) RECVMSG.invokeExact(state, fd, msg, MSG_CMSG_CLOEXEC);
            } while (n < 0 && Libc.errno(state) == NativeIoException.EINTR);
            if (n < 0) {
                throw new NativeIoException("recvmsg", Libc.errno(state));
            }
            int length = (int) Math.min(n, data.length);
            MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, 0, data, 0, length);
            boolean hasDescriptor = msg.get(ValueLayout.JAVA_LONG, 40) >= CMSG_LEN_ONE_FD
                    && control.get(ValueLayout.JAVA_INT, 8) == SOL_SOCKET
                    && control.get(ValueLayout.JAVA_INT, 12) == SCM_RIGHTS;
            return new Received(length, hasDescriptor ? control.get(ValueLayout.JAVA_INT, 16) : -1);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Shuts a socket down both ways: a thread blocked in {@link #accept} or {@link #receive} on
     * it returns, and the peer sees the connection end. The descriptor stays open.
     */
    public static void shutdown(int fd) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.allocateState(arena);
            if ((int) SHUTDOWN.invokeExact(state, fd, SHUT_RDWR) != 0) {
                throw new NativeIoException("shutdown", Libc.errno(state));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static int socket() throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.allocateState(arena);
            int fd = (int) SOCKET.invokeExact(state, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw new NativeIoException("socket AF_UNIX SOCK_SEQPACKET", Libc.errno(state));
            }
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static MemorySegment address(Arena arena, String path) throws NativeIoException {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > MAX_PATH_BYTES) {
            throw new NativeIoException("socket path " + path + " (1.." + MAX_PATH_BYTES + " bytes)",
                    NativeIoException.EINVAL);
        }
        MemorySegment a = arena.allocate(SOCKADDR_UN_SIZE, 2);
        a.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(bytes, 0, a, ValueLayout.JAVA_BYTE, 2, bytes.length);
        return a;
    }

    private static MemorySegment message(Arena arena, MemorySegment bytes, int length, MemorySegment control,
                                         int controlLength) {
        MemorySegment iov = arena.allocate(16, 8);
        iov.set(ValueLayout.ADDRESS, 0, bytes);
        iov.set(ValueLayout.JAVA_LONG, 8, length);
        MemorySegment msg = arena.allocate(MSGHDR_SIZE, 8);
        msg.set(ValueLayout.ADDRESS, 16, iov);
        msg.set(ValueLayout.JAVA_LONG, 24, 1);
        msg.set(ValueLayout.ADDRESS, 32, control);
        msg.set(ValueLayout.JAVA_LONG, 40, controlLength);
        return msg;
    }

    private static void closeQuietly(int fd) {
        try {
            LinuxIo.close(fd);
        } catch (NativeIoException ignored) {
            // The descriptor is being abandoned after an earlier failure, which is what is reported.
        }
    }

    private static NativeIoException rethrow(Throwable t) throws NativeIoException {
        if (t instanceof NativeIoException e) {
            throw e;
        }
        throw new AssertionError("FFM downcall failed", t);
    }
}
