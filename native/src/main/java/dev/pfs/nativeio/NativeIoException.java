package dev.pfs.nativeio;

import java.io.IOException;

/** A failed Linux call, carrying the call's name and its errno. */
public final class NativeIoException extends IOException {
    private static final long serialVersionUID = 1L;

    /** errno of "no space left on device". */
    public static final int ENOSPC = 28;
    /** errno of "invalid argument" (e.g. O_DIRECT refused, misaligned buffer). */
    public static final int EINVAL = 22;
    /** errno of "operation not supported" (e.g. a file system that cannot punch holes). */
    public static final int EOPNOTSUPP = 95;
    /** errno of "no such device or address" (lseek SEEK_DATA past the last data). */
    public static final int ENXIO = 6;
    /** errno of "interrupted system call". */
    public static final int EINTR = 4;

    private final int errno;

    /**
     * @param call  the Linux call that failed, with what it was called on
     * @param errno the errno it returned
     */
    public NativeIoException(String call, int errno) {
        super(call + ": " + LinuxIo.strerror(errno) + " (errno " + errno + ")");
        this.errno = errno;
    }

    /** @return the errno of the failed call */
    public int errno() {
        return errno;
    }
}
