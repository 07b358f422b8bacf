package dev.pfs.cli;

/**
 * The exit codes of the {@code pfs} command. The table in {@code docs/cli.md} and the footer of
 * {@code pfs --help} are generated from, or checked against, this enum.
 */
public enum ExitStatus {
    /** Everything asked for was done. */
    OK(0, "success"),
    /** A file operation failed: no such file, file exists, not empty, no space, is a directory, I/O error. */
    FILE_ERROR(1, "a file operation failed: ENOENT, EEXIST, ENOTEMPTY, ENOSPC, EIO, ..."),
    /** The command line was wrong: unknown option, missing argument, bad path syntax. */
    USAGE(2, "bad usage: unknown option, missing argument, bad VOLUME:/PATH"),
    /** Another host holds the volume read-write. */
    BUSY(3, "volume busy: another host holds it read-write (EBUSY)"),
    /** fsck found inconsistencies (also when --repair fixed them). */
    FSCK_PROBLEMS(4, "fsck found problems (also when --repair fixed them)"),
    /** The volume file is missing, unreadable or not a usable pfs volume. */
    BAD_VOLUME(5, "no usable volume: missing, not pfs, newer format, torn superblock"),
    /** A bug in pfs. */
    INTERNAL(70, "internal error (a bug): rerun with --verbose and report it");

    private final int code;
    private final String meaning;

    ExitStatus(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    /** @return the process exit code */
    public int code() {
        return code;
    }

    /** @return one line saying when the code is returned */
    public String meaning() {
        return meaning;
    }

    /** @return the exit-code table for {@code --help}, one {@code "code: meaning"} line per status */
    public static String[] helpTable() {
        ExitStatus[] all = values();
        String[] lines = new String[all.length];
        for (int i = 0; i < all.length; i++) {
            lines[i] = String.format("  %2d  %s", all[i].code, all[i].meaning);
        }
        return lines;
    }
}
