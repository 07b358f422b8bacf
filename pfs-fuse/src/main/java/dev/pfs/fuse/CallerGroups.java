package dev.pfs.fuse;

import dev.pfs.fuse.kernel.FuseRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether the process behind a request is in a group. A FUSE request carries only the caller's
 * uid, primary gid and thread id; the supplementary groups are read from
 * {@code /proc/<tid>/status} (its {@code Groups:} line), as libfuse's
 * {@code fuse_req_getgroups} does. That is asked only where Linux's rule depends on
 * membership and the primary gid does not settle it, so a request almost never pays for it.
 */
final class CallerGroups {
    private final Path proc;

    CallerGroups() {
        this(Path.of("/proc"));
    }

    /** @param proc where the per-process status files are (tests give their own) */
    CallerGroups(Path proc) {
        this.proc = proc;
    }

    /**
     * @return whether the request's caller has {@code gid} as its primary or a supplementary
     *     group; false when the process is gone (the caller of a privilege decision then counts
     *     as not in the group, which errs towards dropping the set-group-ID bit)
     */
    boolean inGroup(FuseRequest req, int gid) {
        return req.gid() == gid || supplementary(req.pid(), gid);
    }

    private boolean supplementary(int pid, int gid) {
        try {
            for (String line : Files.readAllLines(proc.resolve(Integer.toString(pid)).resolve("status"))) {
                if (line.startsWith("Groups:")) {
                    for (String g : line.substring("Groups:".length()).trim().split("\\s+")) {
                        if (!g.isEmpty() && Integer.parseUnsignedInt(g) == gid) {
                            return true;
                        }
                    }
                    return false;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return false;
        }
        return false;
    }
}
