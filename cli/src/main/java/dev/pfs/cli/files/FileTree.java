package dev.pfs.cli.files;

import dev.pfs.cli.CliException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.List;

/**
 * One side of a copy: the host file system or a mounted volume, addressed by path strings, so
 * that {@link Copier} has one algorithm for all directions. Failures name the path.
 */
interface FileTree {
    /** What a path is. */
    enum Kind { FILE, DIRECTORY, SYMLINK, OTHER }

    /**
     * What lstat says.
     *
     * @param kind        the type
     * @param permissions permission bits
     * @param size        bytes (files)
     */
    record Entry(Kind kind, int permissions, long size) {
    }

    /** @return the path for messages as the user would write it */
    String display(String path);

    /** @return {@code dir/name} */
    String child(String dir, String name);

    /** @return the last component of {@code path}, "" for a root */
    String name(String path);

    /** @return lstat of {@code path}, or null when it does not exist */
    Entry lstat(String path) throws CliException;

    /** @return the names in a directory, sorted */
    List<String> list(String dir) throws CliException;

    /** Creates a directory. */
    void mkdir(String dir, int permissions) throws CliException;

    /** @return the target of a symlink */
    String readlink(String path) throws CliException;

    /** Creates a symlink at {@code path} pointing at {@code target}. */
    void symlink(String target, String path) throws CliException;

    /** Removes a file or symlink. */
    void unlink(String path) throws CliException;

    /** @return a channel reading the file from its start */
    ReadableByteChannel openRead(String path) throws CliException;

    /** @return a channel writing the file, created or truncated */
    WritableByteChannel create(String path, int permissions) throws CliException;

    /** @return whether {@code other} is the same file system (the host, or the same mounted volume) */
    boolean sameAs(FileTree other);

    /** @return whether two paths in this tree are the same place, or {@code inner} is below {@code outer} */
    boolean isWithin(String inner, String outer) throws CliException;
}
