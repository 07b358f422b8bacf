package dev.pfs.nativeio;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Anonymous shared memory that two processes can map: a {@code memfd_create} file of a fixed
 * size, sealed so that neither side can shrink or grow it (a process that maps a file another
 * one shrank would die of SIGBUS on its next access), and {@code mmap}/{@code munmap} of such
 * a descriptor.
 */
public final class SharedMemory {
    private static final int MFD_CLOEXEC = 1;
    private static final int MFD_ALLOW_SEALING = 2;
    private static final int F_ADD_SEALS = 1033;
    private static final int F_GET_SEALS = 1034;
    private static final int F_SEAL_SEAL = 1;
    private static final int F_SEAL_SHRINK = 2;
    private static final int F_SEAL_GROW = 4;
    /** The seals {@link #create} sets and {@link #checkSealed} requires. */
    private static final int FIXED_SIZE_SEALS = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW;
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 1;
    private static final int SEEK_END = 2;

    private static final MethodHandle MEMFD_CREATE = Libc.downcall("memfd_create",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle FCNTL = Libc.variadicDowncall("fcntl",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT), 2);
    private static final MethodHandle MMAP = Libc.downcall("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MUNMAP = Libc.downcall("munmap",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));

    private SharedMemory() {
    }

    /**
     * Creates a zero-filled memfd of {@code size} bytes, sealed at that size.
     *
     * @param name shows in {@code /proc/PID/fd} and {@code /proc/PID/maps} as {@code /memfd:name}
     * @return its descriptor (close-on-exec)
     */
    public static int create(String name, long size) throws NativeIoException {
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.allocateState(arena);
            fd = (int) MEMFD_CREATE.invokeExact(state, arena.allocateFrom(name), MFD_CLOEXEC | MFD_ALLOW_SEALING);
            if (fd < 0) {
                throw new NativeIoException("memfd_create " + name, Libc.errno(state));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
        try {
            LinuxIo.ftruncate(fd, size);
            fcntl(fd, F_ADD_SEALS, FIXED_SIZE_SEALS, "F_ADD_SEALS");
            return fd;
        } catch (NativeIoException e) {
            LinuxIo.close(fd);
            throw e;
        }
    }

    /**
     * Checks that {@code fd} cannot change size (what {@link #create} made) and returns its
     * size, so that a mapping of that size stays valid.
     *
     * @throws NativeIoException EINVAL when it is not sealed so
     */
    public static long checkSealed(int fd) throws NativeIoException {
        int seals = fcntl(fd, F_GET_SEALS, 0, "F_GET_SEALS");
        if ((seals & FIXED_SIZE_SEALS) != FIXED_SIZE_SEALS) {
            throw new NativeIoException("shared memory is not sealed at a fixed size (seals " + seals + ")",
                    NativeIoException.EINVAL);
        }
        return LinuxIo.lseek(fd, 0, SEEK_END);
    }

    /**
     * Maps {@code size} bytes of {@code fd} shared, readable and writable. The mapping outlives
     * the descriptor; release it with {@link #unmap}.
     */
    public static MemorySegment map(int fd, long size) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.allocateState(arena);
            MemorySegment address = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, size,
                    PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0L);
            if (address.address() == -1L) {
                throw new NativeIoException("mmap " + size + " bytes", Libc.errno(state));
            }
            return address.reinterpret(size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Unmaps what {@link #map} returned; the segment must not be touched afterwards. */
    public static void unmap(MemorySegment mapping) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.allocateState(arena);
            if ((int) MUNMAP.invokeExact(state, mapping, mapping.byteSize()) != 0) {
                throw new NativeIoException("munmap", Libc.errno(state));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static int fcntl(int fd, int command, int argument, String name) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.allocateState(arena);
            int rc = (int) FCNTL.invokeExact(state, fd, command, argument);
            if (rc < 0) {
                throw new NativeIoException("fcntl " + name, Libc.errno(state));
            }
            return rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static NativeIoException rethrow(Throwable t) throws NativeIoException {
        if (t instanceof NativeIoException e) {
            throw e;
        }
        throw new AssertionError("FFM downcall failed", t);
    }
}
