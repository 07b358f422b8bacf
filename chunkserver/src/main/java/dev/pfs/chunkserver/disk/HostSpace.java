package dev.pfs.chunkserver.disk;

import dev.pfs.nativeio.LinuxIo;
import dev.pfs.nativeio.NativeIoException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a file's space from the host file system at format, so that nothing the server does
 * later can meet ENOSPC: either reserved ({@code fallocate}, for the data file, whose blocks the
 * store writes with zeros ahead of handing them out) or written with zeros (the WAL and the
 * meta file, which are overwritten in place from their first use, so their syncs never make
 * the file system convert an unwritten extent). A failure for want of room is a
 * {@link DataDirException} that says how much was asked for and how much the host has.
 */
final class HostSpace {
    private static final Logger LOG = LoggerFactory.getLogger(HostSpace.class);
    private static final int PIECE = 1 << 20;
    /** How many bytes of zeros between two progress lines (large WALs take a while). */
    private static final long PROGRESS_EVERY = 4L << 30;

    private HostSpace() {
    }

    /**
     * Creates {@code file} of {@code size} bytes with all its space allocated (unwritten
     * extents where the file system has them), or written with zeros where it cannot fallocate.
     */
    static void reserve(Path file, long size) throws IOException {
        int fd = create(file);
        try {
            try {
                LinuxIo.fallocate(fd, 0, 0, size);
            } catch (NativeIoException e) {
                if (e.errno() != NativeIoException.EOPNOTSUPP) {
                    throw noRoom(file, size, e);
                }
                LOG.info("{}: the file system cannot fallocate; writing {} bytes of zeros instead", file, size);
                zeros(fd, file, size);
            }
            LinuxIo.fsync(fd);
        } finally {
            LinuxIo.close(fd);
        }
    }

    /** Creates {@code file} of {@code size} bytes, every byte written with zeros and synced. */
    static void writeZeros(Path file, long size) throws IOException {
        int fd = create(file);
        try {
            zeros(fd, file, size);
            LinuxIo.fsync(fd);
        } finally {
            LinuxIo.close(fd);
        }
    }

    private static int create(Path file) throws IOException {
        return LinuxIo.open(file.toString(), LinuxIo.O_RDWR | LinuxIo.O_CREAT | LinuxIo.O_EXCL | LinuxIo.O_CLOEXEC,
                0644);
    }

    private static void zeros(int fd, Path file, long size) throws IOException {
        long start = System.nanoTime();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zeros = arena.allocate(PIECE, 4096);
            for (long done = 0; done < size; ) {
                long n = Math.min(PIECE, size - done);
                try {
                    LinuxIo.pwrite(fd, zeros, n, done);
                } catch (NativeIoException e) {
                    throw noRoom(file, size, e);
                }
                done += n;
                if (done % PROGRESS_EVERY == 0 && done < size) {
                    LOG.info("{}: {} of {} bytes written with zeros", file, done, size);
                }
            }
        }
        LOG.info("{}: {} bytes written with zeros in {} ms", file, size, (System.nanoTime() - start) / 1_000_000);
    }

    /** @return {@code e} with the sizes in its message when it is ENOSPC, else {@code e} */
    private static IOException noRoom(Path file, long size, NativeIoException e) {
        if (e.errno() != NativeIoException.ENOSPC) {
            return e;
        }
        long free = file.toFile().getParentFile().getUsableSpace();
        return new DataDirException("no room on the host file system for " + file + ": it needs " + size
                + " bytes and " + free + " bytes are free; give it a smaller --capacity or --wal-size, or more"
                + " space (" + e.getMessage() + ")");
    }
}
