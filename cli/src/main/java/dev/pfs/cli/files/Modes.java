package dev.pfs.cli.files;

import dev.pfs.core.FileType;
import dev.pfs.core.PfsStat;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** How listings show modes and times. */
final class Modes {
    private static final DateTimeFormatter LS_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter FULL_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.nnnnnnnnn xx").withZone(ZoneId.systemDefault());

    private Modes() {
    }

    /** @return "drwxr-xr-x" for a stat */
    static String symbolic(PfsStat st) {
        char type = switch (st.type()) {
            case DIRECTORY -> 'd';
            case SYMLINK -> 'l';
            case REGULAR -> '-';
            case FIFO -> 'p';
            case SOCKET -> 's';
            case CHAR_DEVICE -> 'c';
            case BLOCK_DEVICE -> 'b';
        };
        StringBuilder sb = new StringBuilder().append(type);
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            sb.append((st.mode() & (0400 >> i)) != 0 ? rwx.charAt(i) : '-');
        }
        return sb.toString();
    }

    /** @return the file type as stat(1) names it */
    static String typeName(FileType type) {
        return switch (type) {
            case REGULAR -> "regular file";
            case DIRECTORY -> "directory";
            case SYMLINK -> "symbolic link";
            case FIFO -> "fifo";
            case SOCKET -> "socket";
            case CHAR_DEVICE -> "character special file";
            case BLOCK_DEVICE -> "block special file";
        };
    }

    /** @return the time as ls -l shows it */
    static String lsTime(long epochNanos) {
        return LS_TIME.format(instant(epochNanos));
    }

    /** @return the time as stat shows it */
    static String fullTime(long epochNanos) {
        return FULL_TIME.format(instant(epochNanos));
    }

    private static Instant instant(long epochNanos) {
        return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L));
    }
}
