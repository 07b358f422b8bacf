package dev.pfs.core;

/**
 * The owner and group a new inode is created with, in the same transaction as its name: the
 * caller's uid and gid, or the group of a set-group-ID parent directory (chosen by the caller,
 * as the kernel's FUSE caller knows whose request it serves).
 *
 * @param uid owner
 * @param gid group
 */
public record Owner(int uid, int gid) {
    /** root:root, what the calls without an owner create with. */
    public static final Owner ROOT = new Owner(0, 0);
}
