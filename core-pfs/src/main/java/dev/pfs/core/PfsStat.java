package dev.pfs.core;

/**
 * stat(2) of a pfs inode.
 *
 * @param ino     inode number, unique within the volume
 * @param mode    type bits ({@link FileType#modeBits()}) | permission bits
 * @param nlink   hard links
 * @param uid     owner
 * @param gid     group
 * @param size    bytes
 * @param blocks  512 B units allocated
 * @param blksize preferred I/O size
 * @param atimeNs access time, ns since the epoch
 * @param mtimeNs modification time, ns since the epoch
 * @param ctimeNs change time, ns since the epoch
 */
public record PfsStat(long ino, int mode, int nlink, int uid, int gid, long size, long blocks,
                      int blksize, long atimeNs, long mtimeNs, long ctimeNs) {
    /** @return the inode's type */
    public FileType type() {
        int t = mode & FileType.S_IFMT;
        for (FileType ft : FileType.values()) {
            if (ft.modeBits() == t) {
                return ft;
            }
        }
        throw new IllegalStateException("unknown file type bits " + Integer.toOctalString(t));
    }

    /** @return the permission bits */
    public int permissions() {
        return mode & 07777;
    }
}
