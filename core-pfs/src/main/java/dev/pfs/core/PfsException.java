package dev.pfs.core;

import java.io.IOException;

/** A failed libpfs call: an {@link Errno} and a message naming the path and the cause. */
public class PfsException extends IOException {
    private static final long serialVersionUID = 1L;
    private final Errno errno;

    public PfsException(Errno errno, String message) {
        super(errno + ": " + message);
        this.errno = errno;
    }

    public PfsException(Errno errno, String message, Throwable cause) {
        super(errno + ": " + message, cause);
        this.errno = errno;
    }

    /** @return the POSIX error */
    public Errno errno() {
        return errno;
    }
}
