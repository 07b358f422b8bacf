package dev.pfs.cli.bench;

import dev.pfs.nativeio.LinuxIo;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Files in a host directory, written with O_DIRECT through {@link LinuxIo}: the same way
 * {@code FileVolume} writes the volume file under libpfs, so the comparison measures libpfs,
 * not the page cache.
 */
final class PlainFileTarget implements WriteTarget {
    private final Path dir;
    private int fd = -1;

    PlainFileTarget(Path dir) {
        this.dir = dir;
    }

    @Override
    public String name() {
        return "plain file";
    }

    @Override
    public String mode() {
        return "O_DIRECT, pwrite + fdatasync via LinuxIo";
    }

    @Override
    public void open(String name) throws IOException {
        fd = LinuxIo.open(dir.resolve(name).toString(), LinuxIo.O_RDWR | LinuxIo.O_CREAT | LinuxIo.O_DIRECT, 0644);
    }

    @Override
    public void pwrite(ByteBuffer buf, long offset) throws IOException {
        LinuxIo.pwrite(fd, MemorySegment.ofBuffer(buf), buf.remaining(), offset);
    }

    @Override
    public void fdatasync() throws IOException {
        LinuxIo.fdatasync(fd);
    }

    @Override
    public void closeFile() throws IOException {
        if (fd >= 0) {
            LinuxIo.close(fd);
            fd = -1;
        }
    }

    @Override
    public void close() throws IOException {
        closeFile();
    }
}
