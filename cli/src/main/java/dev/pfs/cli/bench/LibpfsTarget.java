package dev.pfs.cli.bench;

import dev.pfs.common.volume.FileVolume;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Pfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** Files inside libpfs, on a freshly formatted FileVolume (O_DIRECT where allowed) in a host directory. */
final class LibpfsTarget implements WriteTarget {
    private final FileVolume volume;
    private final Pfs pfs;
    private long fd = -1;

    LibpfsTarget(Path image, long size) throws IOException {
        FileVolume.create(image, size).close();
        // As every libpfs user opens its volume: libpfs waits for each request anyway.
        volume = FileVolume.open(image, true, FileVolume.CALLER_THREAD);
        try {
            Pfs.mkfs(volume, MkfsOptions.defaults());
            pfs = Pfs.mount(volume, MountOptions.readWrite(0));
        } catch (IOException | RuntimeException e) {
            volume.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return "libpfs";
    }

    @Override
    public String mode() {
        return "libpfs pwrite + fdatasync on " + volume;
    }

    @Override
    public void open(String name) throws IOException {
        fd = pfs.open("/" + name, OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_DIRECT, 0644);
    }

    @Override
    public void pwrite(ByteBuffer buf, long offset) throws IOException {
        while (buf.hasRemaining()) {
            offset += pfs.pwrite(fd, buf, offset);
        }
    }

    @Override
    public void fdatasync() throws IOException {
        pfs.fdatasync(fd);
    }

    @Override
    public void closeFile() throws IOException {
        if (fd >= 0) {
            pfs.close(fd);
            fd = -1;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            closeFile();
            pfs.close();
        } finally {
            volume.close();
        }
    }
}
