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
 * @param rdev    device number of a character or block device (Linux's encoding), else 0
 */
public record PfsStat(long ino, int mode, int nlink, int uid, int gid, long size, long blocks,
                      int blksize, long atimeNs, long mtimeNs, long ctimeNs, int rdev) {
    /** stat of an inode that is not a device. */
    public PfsStat(long ino, int mode, int nlink, int uid, int gid, long size, long blocks,
                   int blksize, long atimeNs, long mtimeNs, long ctimeNs) {
        this(ino, mode, nlink, uid, gid, size, blocks, blksize, atimeNs, mtimeNs, ctimeNs, 0);
    }

    /** @return the inode's type */
    public FileType type() {
        FileType ft = FileType.ofMode(mode);
        if (ft == null) {
            throw new IllegalStateException("unknown file type bits " + Integer.toOctalString(mode & FileType.S_IFMT));
        }
        return ft;
    }

    /** @return the permission bits */
    public int permissions() {
        return mode & 07777;
    }
}
