package dev.pfs.chunkserver.disk;

import java.io.IOException;

/** A data directory that the chunkserver refuses to start on; the message tells the operator why. */
public final class DataDirException extends IOException {
    private static final long serialVersionUID = 1L;

    /** @param message one line naming the directory and the cause */
    public DataDirException(String message) {
        super(message);
    }
}
