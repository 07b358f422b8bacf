package dev.pfs.core;

/**
 * Who makes a call, for the checks libpfs makes itself rather than leaving them to a kernel:
 * the namespaces and permissions of extended attributes. Only the uid and the primary gid are
 * known (a FUSE request carries no supplementary groups), so a group permission is granted
 * through the primary gid alone.
 *
 * @param uid the caller's (effective) user id; 0 is root, which every check lets through
 * @param gid the caller's (effective) primary group id
 */
public record Caller(int uid, int gid) {
    /** root, on whose behalf the calls without a caller run. */
    public static final Caller ROOT = new Caller(0, 0);

    /** @return whether the caller is root */
    public boolean isRoot() {
        return uid == 0;
    }
}
