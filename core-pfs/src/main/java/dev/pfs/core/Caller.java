package dev.pfs.core;

/**
 * Who makes a call, for the checks libpfs makes itself rather than leaving them to a kernel:
 * the namespaces and permissions of extended attributes. Only the uid and the primary gid are
 * known (a FUSE request carries no supplementary groups), so libpfs grants a group permission
 * through the primary gid alone, unless a kernel already checked the permission bits with
 * every group of the caller ({@code modeBitsChecked}: FUSE's {@code default_permissions}).
 *
 * @param uid             the caller's (effective) user id; 0 is root, which every check lets through
 * @param gid             the caller's (effective) primary group id
 * @param modeBitsChecked whether the read/write permission bits were checked already, so that
 *                        libpfs checks only what depends on identity (root, owner, file type)
 */
public record Caller(int uid, int gid, boolean modeBitsChecked) {
    /** root, on whose behalf the calls without a caller run. */
    public static final Caller ROOT = new Caller(0, 0, false);

    /** A caller whose permissions libpfs checks in full (with its primary gid as its only group). */
    public Caller(int uid, int gid) {
        this(uid, gid, false);
    }

    /** A FUSE request's caller: the kernel ({@code default_permissions}) checked the permission bits. */
    public static Caller checkedByKernel(int uid, int gid) {
        return new Caller(uid, gid, true);
    }

    /** @return whether the caller is root */
    public boolean isRoot() {
        return uid == 0;
    }
}
