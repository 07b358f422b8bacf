package dev.pfs.pswitch.backend;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FileVolume;
import java.io.IOException;
import java.nio.file.Path;

/** {@code file:PATH}: a volume file or block device, opened with O_DIRECT where it can be. */
final class FileBackend implements BackendFactory {
    /** Requests of all clients of one volume that may block in the kernel at once. */
    private static final int IO_THREADS = 8;

    @Override
    public String scheme() {
        return "file";
    }

    @Override
    public String syntax() {
        return "file:PATH";
    }

    @Override
    public BlockVolume open(String target) throws IOException {
        if (target.isEmpty()) {
            throw new IllegalArgumentException("file: needs a path (" + syntax() + ")");
        }
        return FileVolume.open(Path.of(target), true, IO_THREADS);
    }
}
