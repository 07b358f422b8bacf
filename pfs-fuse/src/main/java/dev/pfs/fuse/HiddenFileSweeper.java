package dev.pfs.fuse;

import dev.pfs.core.DirEntry;
import dev.pfs.core.FileType;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Removes the {@code .fuse_hidden*} files a previous mount left behind.
 *
 * <p>libfuse's path API keeps a file that is unlinked while open alive under a hidden name
 * until its last close; if the mount process died first (kill -9, power loss) the hidden file
 * stays on the volume and would make an rmdir (DROP DATABASE) fail with ENOTEMPTY. At mount
 * time no process can have them open, so a RW mount deletes them before serving.
 */
public final class HiddenFileSweeper {
    private static final String PREFIX = ".fuse_hidden";

    private HiddenFileSweeper() {
    }

    /** @return how many hidden files were removed */
    public static int sweep(Pfs pfs) throws PfsException {
        int removed = 0;
        Deque<String> dirs = new ArrayDeque<>();
        dirs.push("/");
        while (!dirs.isEmpty()) {
            String dir = dirs.pop();
            String prefix = dir.equals("/") ? "/" : dir + "/";
            for (DirEntry e : pfs.readdir(dir)) {
                if (e.type() == FileType.DIRECTORY) {
                    dirs.push(prefix + e.name());
                } else if (e.name().startsWith(PREFIX)) {
                    pfs.unlink(prefix + e.name());
                    removed++;
                }
            }
        }
        return removed;
    }
}
