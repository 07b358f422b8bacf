package dev.pfs.cli.files;

import dev.pfs.cli.CliException;
import dev.pfs.cli.Failures;
import dev.pfs.cli.progress.Progress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Copies a file or a tree from one {@link FileTree} to another: directories are created with the
 * source's permissions, files copied byte for byte, symlinks recreated as symlinks (never
 * followed). The first failure stops the copy and names its path.
 */
final class Copier {
    private static final int BUFFER = 1 << 20;

    private final boolean recursive;
    private final Progress progress;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);

    Copier(boolean recursive, Progress progress) {
        this.recursive = recursive;
        this.progress = progress;
    }

    /** Copies {@code src} to exactly {@code dst} (the caller decided the final name). */
    void copy(FileTree from, String src, FileTree to, String dst) throws CliException {
        FileTree.Entry e = from.lstat(src);
        if (e == null) {
            throw Failures.file(from.display(src) + ": ENOENT: no such file or directory");
        }
        switch (e.kind()) {
            case DIRECTORY -> copyDirectory(from, src, e, to, dst);
            case SYMLINK -> copySymlink(from, src, to, dst);
            case FILE -> copyFile(from, src, e, to, dst);
            case OTHER -> throw Failures.file(from.display(src) + ": not a regular file, directory or symlink; not copied");
        }
    }

    /** @return the bytes of the regular files under {@code src}, for the progress bar */
    static long totalBytes(FileTree tree, String src) throws CliException {
        FileTree.Entry e = tree.lstat(src);
        if (e == null) {
            return 0;
        }
        if (e.kind() == FileTree.Kind.FILE) {
            return e.size();
        }
        long sum = 0;
        if (e.kind() == FileTree.Kind.DIRECTORY) {
            for (String name : tree.list(src)) {
                sum += totalBytes(tree, tree.child(src, name));
            }
        }
        return sum;
    }

    private void copyDirectory(FileTree from, String src, FileTree.Entry e, FileTree to, String dst) throws CliException {
        if (!recursive) {
            throw Failures.file(from.display(src) + ": EISDIR: is a directory (use -r)");
        }
        FileTree.Entry existing = to.lstat(dst);
        if (existing == null) {
            to.mkdir(dst, e.permissions());
        } else if (existing.kind() != FileTree.Kind.DIRECTORY) {
            throw Failures.file(to.display(dst) + ": ENOTDIR: exists and is not a directory");
        }
        for (String name : from.list(src)) {
            copy(from, from.child(src, name), to, to.child(dst, name));
        }
    }

    private static void copySymlink(FileTree from, String src, FileTree to, String dst) throws CliException {
        String target = from.readlink(src);
        FileTree.Entry existing = to.lstat(dst);
        if (existing != null) {
            if (existing.kind() == FileTree.Kind.DIRECTORY) {
                throw Failures.file(to.display(dst) + ": EISDIR: is a directory, cannot replace it with a symlink");
            }
            to.unlink(dst);
        }
        to.symlink(target, dst);
    }

    private void copyFile(FileTree from, String src, FileTree.Entry e, FileTree to, String dst) throws CliException {
        FileTree.Entry existing = to.lstat(dst);
        if (existing != null && existing.kind() == FileTree.Kind.DIRECTORY) {
            throw Failures.file(to.display(dst) + ": EISDIR: is a directory, cannot overwrite it with a file");
        }
        try (ReadableByteChannel in = from.openRead(src); WritableByteChannel out = to.create(dst, e.permissions())) {
            while (true) {
                buffer.clear();
                int n = read(in, from, src);
                if (n < 0) {
                    break;
                }
                buffer.flip();
                while (buffer.hasRemaining()) {
                    write(out, to, dst);
                }
                progress.advance(n);
            }
        } catch (IOException closeFailed) {
            throw Failures.file(to.display(dst) + ": close failed: " + closeFailed.getMessage());
        }
        progress.fileDone();
    }

    private int read(ReadableByteChannel in, FileTree tree, String path) throws CliException {
        try {
            return in.read(buffer);
        } catch (IOException e) {
            throw Failures.file(tree.display(path) + ": read failed: " + e.getMessage());
        }
    }

    private void write(WritableByteChannel out, FileTree tree, String path) throws CliException {
        try {
            out.write(buffer);
        } catch (IOException e) {
            throw Failures.file(tree.display(path) + ": write failed: " + e.getMessage());
        }
    }
}
