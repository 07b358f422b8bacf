package dev.pfs.cli;

import dev.pfs.core.Errno;
import dev.pfs.core.PfsException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Builds the one-line failures of the commands: where it failed, then libpfs's errno and reason. */
public final class Failures {
    private Failures() {
    }

    /** @return the exit status for a libpfs error */
    public static ExitStatus statusOf(PfsException e) {
        return e.errno() == Errno.EBUSY ? ExitStatus.BUSY : ExitStatus.FILE_ERROR;
    }

    /**
     * @param where the argument as the user wrote it ({@code v.img:/a/b}), or a volume file
     * @return a failure naming {@code where} and carrying libpfs's errno and message
     */
    public static CliException at(String where, PfsException e) {
        return new CliException(statusOf(e), where + ": " + e.getMessage(), e);
    }

    /** @return a usage failure (exit 2) */
    public static CliException usage(String message) {
        return new CliException(ExitStatus.USAGE, message);
    }

    /** @return a file failure (exit 1) */
    public static CliException file(String message) {
        return new CliException(ExitStatus.FILE_ERROR, message);
    }

    /**
     * @param where the host path as the user wrote it
     * @return a failure of a host file operation, in the same shape as a volume one
     */
    public static CliException host(String where, IOException e) {
        String message = e instanceof FileSystemException fse ? describe(fse) : where + ": " + e.getMessage();
        return new CliException(ExitStatus.FILE_ERROR, message, e);
    }

    /** @return "path: ERRNO: reason" for a host file error */
    static String describe(FileSystemException e) {
        String what = switch (e) {
            case NoSuchFileException x -> "ENOENT: no such file or directory";
            case FileAlreadyExistsException x -> "EEXIST: file exists";
            case DirectoryNotEmptyException x -> "ENOTEMPTY: directory not empty";
            case NotDirectoryException x -> "ENOTDIR: not a directory";
            case AccessDeniedException x -> "EACCES: permission denied";
            default -> e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
        };
        String where = e.getFile() != null ? e.getFile() : "?";
        return where + (e.getOtherFile() != null ? " -> " + e.getOtherFile() : "") + ": " + what;
    }
}
