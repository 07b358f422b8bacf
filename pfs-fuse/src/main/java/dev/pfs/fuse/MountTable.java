package dev.pfs.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads the kernel's mount table (/proc/self/mountinfo). */
public final class MountTable {
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private MountTable() {
    }

    /** @return whether {@code dir} is currently a mount point */
    public static boolean isMountPoint(Path dir) throws IOException {
        return fsTypeAt(dir) != null;
    }

    /** @return the file-system type mounted at {@code dir} (e.g. "fuse.pfs"), or null */
    public static String fsTypeAt(Path dir) throws IOException {
        String wanted = dir.toAbsolutePath().normalize().toString();
        List<String> lines = Files.readAllLines(MOUNTINFO);
        String found = null;
        for (String line : lines) {
            // id parent major:minor root mountpoint options [optional...] - fstype source superopts
            String[] f = line.split(" ");
            if (f.length > 4 && unescape(f[4]).equals(wanted)) {
                int dash = line.indexOf(" - ");
                found = dash < 0 ? "?" : line.substring(dash + 3).split(" ")[0];
            }
        }
        return found;
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo. */
    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
