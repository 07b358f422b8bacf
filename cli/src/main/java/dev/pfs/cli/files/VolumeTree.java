package dev.pfs.cli.files;

import dev.pfs.cli.CliException;
import dev.pfs.cli.Failures;
import dev.pfs.cli.volume.VolumePaths;
import dev.pfs.core.DirEntry;
import dev.pfs.core.Errno;
import dev.pfs.core.FileType;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.PfsStat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.List;

/** A mounted volume as a {@link FileTree}; paths are absolute volume paths. */
final class VolumeTree implements FileTree {
    private final Path volume;
    private final Pfs pfs;

    VolumeTree(Path volume, Pfs pfs) {
        this.volume = volume;
        this.pfs = pfs;
    }

    @Override
    public String display(String path) {
        return volume + ":" + path;
    }

    @Override
    public String child(String dir, String name) {
        return VolumePaths.join(dir, name);
    }

    @Override
    public String name(String path) {
        return VolumePaths.name(path);
    }

    @Override
    public Entry lstat(String path) throws CliException {
        PfsStat st;
        try {
            st = pfs.lstat(path);
        } catch (PfsException e) {
            if (e.errno() == Errno.ENOENT) {
                return null;
            }
            throw fail(path, e);
        }
        Kind kind = switch (st.type()) {
            case REGULAR -> Kind.FILE;
            case DIRECTORY -> Kind.DIRECTORY;
            case SYMLINK -> Kind.SYMLINK;
            case FIFO, SOCKET, CHAR_DEVICE, BLOCK_DEVICE -> Kind.OTHER;
        };
        return new Entry(kind, st.permissions(), st.size());
    }

    @Override
    public List<String> list(String dir) throws CliException {
        return at(dir, () -> pfs.readdir(dir).stream().map(DirEntry::name).sorted().toList());
    }

    @Override
    public void mkdir(String dir, int permissions) throws CliException {
        act(dir, () -> pfs.mkdir(dir, permissions));
    }

    @Override
    public String readlink(String path) throws CliException {
        return at(path, () -> pfs.readlink(path));
    }

    @Override
    public void symlink(String target, String path) throws CliException {
        act(path, () -> pfs.symlink(target, path));
    }

    @Override
    public void unlink(String path) throws CliException {
        act(path, () -> pfs.unlink(path));
    }

    @Override
    public ReadableByteChannel openRead(String path) throws CliException {
        return at(path, () -> {
            if (pfs.stat(path).type() == FileType.DIRECTORY) {
                throw Failures.file(display(path) + ": EISDIR: is a directory");
            }
            return new FdChannel(pfs.open(path, OpenFlags.O_RDONLY, 0));
        });
    }

    @Override
    public WritableByteChannel create(String path, int permissions) throws CliException {
        return at(path, () -> new FdChannel(pfs.open(path, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_TRUNC,
                permissions)));
    }

    @Override
    public boolean sameAs(FileTree other) {
        return other instanceof VolumeTree v && v.pfs == pfs;
    }

    @Override
    public boolean isWithin(String inner, String outer) {
        return VolumePaths.isWithin(inner, outer);
    }

    private CliException fail(String path, PfsException e) {
        return Failures.at(display(path), e);
    }

    /** A libpfs call on {@code path}. */
    private interface PfsCall<T> {
        T run() throws PfsException, CliException;
    }

    /** A libpfs call on {@code path} with no result. */
    private interface PfsAction {
        void run() throws PfsException;
    }

    private void act(String path, PfsAction action) throws CliException {
        at(path, () -> {
            action.run();
            return null;
        });
    }

    /** Runs {@code call}, turning a libpfs error into one that names {@code path} on this volume. */
    private <T> T at(String path, PfsCall<T> call) throws CliException {
        try {
            return call.run();
        } catch (PfsException e) {
            throw fail(path, e);
        }
    }

    /** A libpfs descriptor as a channel; libpfs errors pass through as the IOExceptions they are. */
    private final class FdChannel implements ReadableByteChannel, WritableByteChannel {
        private final long fd;
        private boolean open = true;

        FdChannel(long fd) {
            this.fd = fd;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            int n = pfs.read(fd, dst);
            return n == 0 && dst.hasRemaining() ? -1 : n;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return pfs.write(fd, src);
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() throws IOException {
            if (open) {
                open = false;
                pfs.close(fd);
            }
        }
    }
}
