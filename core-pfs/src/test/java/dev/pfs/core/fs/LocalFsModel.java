package dev.pfs.core.fs;

import dev.pfs.core.Errno;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The same operations as the differential test runs on pfs, on a directory of the local file system. */
final class LocalFsModel {
    private final Path root;

    LocalFsModel(Path root) {
        this.root = root;
    }

    private Path p(String path) {
        return root.resolve(path.substring(1));
    }

    /** Runs {@code op} and returns the errno it failed with, or null. */
    interface Op {
        void run() throws IOException;
    }

    static Errno errnoOf(Op op) {
        try {
            op.run();
            return null;
        } catch (NoSuchFileException e) {
            return Errno.ENOENT;
        } catch (FileAlreadyExistsException e) {
            return Errno.EEXIST;
        } catch (DirectoryNotEmptyException e) {
            return Errno.ENOTEMPTY;
        } catch (NotDirectoryException e) {
            return Errno.ENOTDIR;
        } catch (FileSystemException e) {
            return fromReason(String.valueOf(e.getReason()));
        } catch (FileNotFoundException e) {
            return fromReason(String.valueOf(e.getMessage()));
        } catch (IOException e) {
            return fromReason(String.valueOf(e.getMessage()));
        }
    }

    private static Errno fromReason(String r) {
        if (r.contains("Is a directory")) {
            return Errno.EISDIR;
        } else if (r.contains("Not a directory")) {
            return Errno.ENOTDIR;
        } else if (r.contains("No such file")) {
            return Errno.ENOENT;
        } else if (r.contains("Directory not empty")) {
            return Errno.ENOTEMPTY;
        } else if (r.contains("File exists")) {
            return Errno.EEXIST;
        } else if (r.contains("Invalid argument")) {
            return Errno.EINVAL;
        } else if (r.contains("Operation not permitted")) {
            return Errno.EPERM;
        }
        throw new IllegalStateException("unmapped local error: " + r);
    }

    void pwrite(String path, byte[] data, long off) throws IOException {
        try (FileChannel ch = FileChannel.open(p(path), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(data), off);
        }
    }

    void truncate(String path, long len) throws IOException {
        try (FileChannel ch = FileChannel.open(p(path), StandardOpenOption.WRITE)) {
            ch.size();
        }
        try (RandomAccessFile f = new RandomAccessFile(p(path).toFile(), "rw")) {
            f.setLength(len);
        }
    }

    void unlink(String path) throws IOException {
        if (Files.isDirectory(p(path), LinkOption.NOFOLLOW_LINKS)) {
            throw new FileSystemException(path, null, "Is a directory");
        }
        Files.delete(p(path));
    }

    void rmdir(String path) throws IOException {
        if (Files.exists(p(path), LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p(path), LinkOption.NOFOLLOW_LINKS)) {
            throw new FileSystemException(path, null, "Not a directory");
        }
        Files.delete(p(path));
    }

    void mkdir(String path) throws IOException {
        Files.createDirectory(p(path));
    }

    void rename(String from, String to) throws IOException {
        Files.move(p(from), p(to), StandardCopyOption.ATOMIC_MOVE);
    }

    void link(String existing, String newPath) throws IOException {
        Files.createLink(p(newPath), p(existing));
    }

    byte[] read(String path, long off, int len) throws IOException {
        try (FileChannel ch = FileChannel.open(p(path), StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(len);
            while (b.hasRemaining() && ch.read(b, off + b.position()) > 0) {
                // keep reading
            }
            return java.util.Arrays.copyOf(b.array(), b.position());
        }
    }

    long size(String path) throws IOException {
        return Files.readAttributes(p(path), java.nio.file.attribute.BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS).size();
    }

    boolean isDir(String path) {
        return Files.isDirectory(p(path), LinkOption.NOFOLLOW_LINKS);
    }

    List<String> list(String path) throws IOException {
        try (Stream<Path> s = Files.list(p(path))) {
            List<String> out = new ArrayList<>(s.map(x -> x.getFileName().toString()).sorted().toList());
            return out;
        }
    }
}
