package dev.pfs.nativeio;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Linux file calls through FFM, for what {@link java.nio.channels.FileChannel} cannot do:
 * O_DIRECT at the device's 512 B granularity (the JDK demands the file system's block size),
 * fallocate with PUNCH_HOLE / ZERO_RANGE / KEEP_SIZE, and fdatasync on a raw descriptor.
 *
 * <p>Every call retries on EINTR and turns a failure into a {@link NativeIoException} naming
 * the call and its errno. Buffers passed to {@link #pread} and {@link #pwrite} must be native
 * segments; with O_DIRECT they must also be aligned to {@link #DIRECT_ALIGNMENT}.
 */
public final class LinuxIo {
    /** Alignment of buffers, offsets and lengths for O_DIRECT I/O. */
    public static final int DIRECT_ALIGNMENT = 512;

    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_DIRECT = 040000;
    /** Every write is durable when it returns (a FUA write, or write + flush where the device has no FUA). */
    public static final int O_DSYNC = 010000;
    public static final int O_CLOEXEC = 02000000;

    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;

    /** lseek whence: the next offset at or after the given one that holds data. */
    public static final int SEEK_DATA = 3;
    /** lseek whence: the next offset at or after the given one inside a hole (or the end). */
    public static final int SEEK_HOLE = 4;

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();

    private static final MethodHandle OPEN = Libc.downcall("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = Libc.downcall("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle PREAD = Libc.downcall("pread64",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle PWRITE = Libc.downcall("pwrite64",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle FDATASYNC = Libc.downcall("fdatasync",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle FSYNC = Libc.downcall("fsync",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle FALLOCATE = Libc.downcall("fallocate64",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle FTRUNCATE = Libc.downcall("ftruncate64",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle LSEEK = Libc.downcall("lseek64",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle STRERROR = Libc.plain("strerror",
            FunctionDescriptor.of(ValueLayout.ADDRESS.withTargetLayout(
                    java.lang.foreign.MemoryLayout.sequenceLayout(256, ValueLayout.JAVA_BYTE)),
                    ValueLayout.JAVA_INT));

    private LinuxIo() {
    }

    /**
     * Opens a file.
     *
     * @param path  the file's path
     * @param flags open flags (O_RDWR, O_DIRECT, ...); O_CLOEXEC is always added
     * @param mode  permission bits when O_CREAT creates the file
     * @return the file descriptor
     * @throws NativeIoException with the errno when open fails (EINVAL for O_DIRECT on a file
     *                           system without it)
     */
    public static int open(String path, int flags, int mode) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment cPath = arena.allocateFrom(path);
            while (true) {
                int fd = (int) OPEN.invokeExact(state, cPath, flags | O_CLOEXEC, mode);
                if (fd >= 0) {
                    return fd;
                }
                int errno = Libc.errno(state);
                if (errno != NativeIoException.EINTR) {
                    throw new NativeIoException("open " + path, errno);
                }
            }
        } catch (NativeIoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("FFM downcall failed", t);
        }
    }

    /** Closes a descriptor; errors other than EINTR are reported. */
    public static void close(int fd) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) CLOSE.invokeExact(state, fd);
            if (rc != 0 && Libc.errno(state) != NativeIoException.EINTR) {
                throw new NativeIoException("close", Libc.errno(state));
            }
        } catch (NativeIoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("FFM downcall failed", t);
        }
    }

    /**
     * Reads until {@code length} bytes are in {@code buf} or the file ends.
     *
     * @return the bytes read; less than {@code length} only at end of file
     */
    public static long pread(int fd, MemorySegment buf, long length, long offset) throws NativeIoException {
        return transfer(PREAD, "pread", fd, buf, length, offset);
    }

    /** Writes all of {@code length} bytes from {@code buf} at {@code offset}. */
    public static void pwrite(int fd, MemorySegment buf, long length, long offset) throws NativeIoException {
        transfer(PWRITE, "pwrite", fd, buf, length, offset);
    }

    private static long transfer(MethodHandle call, String name, int fd, MemorySegment buf, long length,
                                 long offset) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long done = 0;
            while (done < length) {
                long n = (long) call.invokeExact(state, fd, buf.asSlice(done), length - done, offset + done);
                if (n < 0) {
                    int errno = Libc.errno(state);
                    if (errno == NativeIoException.EINTR) {
                        continue;
                    }
                    throw new NativeIoException(name + " at offset " + (offset + done) + " length "
                            + (length - done), errno);
                }
                if (n == 0) {
                    break;
                }
                done += n;
            }
            return done;
        } catch (NativeIoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("FFM downcall failed", t);
        }
    }

    /** fdatasync(2): the file's data and the metadata needed to read it are on stable storage. */
    public static void fdatasync(int fd) throws NativeIoException {
        simple(FDATASYNC, "fdatasync", fd);
    }

    /** fsync(2): the file's data and all of its metadata are on stable storage. */
    public static void fsync(int fd) throws NativeIoException {
        simple(FSYNC, "fsync", fd);
    }

    private static void simple(MethodHandle call, String name, int fd) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            while (true) {
                int rc = (int) call.invokeExact(state, fd);
                if (rc == 0) {
                    return;
                }
                int errno = Libc.errno(state);
                if (errno != NativeIoException.EINTR) {
                    throw new NativeIoException(name, errno);
                }
            }
        } catch (NativeIoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("FFM downcall failed", t);
        }
    }

    /** fallocate(2) with the given FALLOC_FL_* mode. */
    public static void fallocate(int fd, int mode, long offset, long length) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            while (true) {
                int rc = (int) FALLOCATE.invokeExact(state, fd, mode, offset, length);
                if (rc == 0) {
                    return;
                }
                int errno = Libc.errno(state);
                if (errno != NativeIoException.EINTR) {
                    throw new NativeIoException("fallocate mode " + mode + " at offset " + offset
                            + " length " + length, errno);
                }
            }
        } catch (NativeIoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("FFM downcall failed", t);
        }
    }

    /** ftruncate(2). */
    public static void ftruncate(int fd, long length) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) FTRUNCATE.invokeExact(state, fd, length);
            if (rc != 0) {
                throw new NativeIoException("ftruncate to " + length, Libc.errno(state));
            }
        } catch (NativeIoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("FFM downcall failed", t);
        }
    }

    /**
     * lseek(2), for {@link #SEEK_DATA} and {@link #SEEK_HOLE} walks of a sparse file.
     *
     * @return the resulting offset
     * @throws NativeIoException with ENXIO when SEEK_DATA finds no data at or after
     *                           {@code offset}, EINVAL where the file system cannot tell
     */
    public static long lseek(int fd, long offset, int whence) throws NativeIoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long rc = (long) LSEEK.invokeExact(state, fd, offset, whence);
            if (rc < 0) {
                throw new NativeIoException("lseek to " + offset + " whence " + whence, Libc.errno(state));
            }
            return rc;
        } catch (NativeIoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("FFM downcall failed", t);
        }
    }

    /** @return libc's message for an errno */
    public static String strerror(int errno) {
        try {
            MemorySegment msg = (MemorySegment) STRERROR.invokeExact(errno);
            return msg.getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
