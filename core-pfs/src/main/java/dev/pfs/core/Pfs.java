package dev.pfs.core;

import dev.pfs.common.volume.BlockVolume;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * libpfs: a mounted pfs volume, with a POSIX-like API on 64-bit file descriptors that are never reused while a mount lasts.
 *
 * <p>Paths are absolute, '/'-separated, without "." or ".." components or NUL bytes; each
 * component is at most 255 bytes of UTF-8. Failures throw {@link PfsException} with an
 * {@link Errno}. All methods are thread-safe. File data goes straight to the volume; metadata
 * changes are journaled transactions (see docs/ for when each becomes durable).
 *
 * <p>Obtain one with {@link #mount}; format a volume with {@link #mkfs}.
 */
public interface Pfs extends AutoCloseable {

    /**
     * Formats {@code volume} as an empty pfs file system. Overwrites what is there, except
     * that it fails with {@link Errno#EBUSY} while a live RW mount holds the volume (it watches
     * the leader record for up to one lease to tell a live holder from a dead one).
     */
    static void mkfs(BlockVolume volume, MkfsOptions options) throws PfsException {
        dev.pfs.core.fs.FileSystems.mkfs(volume, options);
    }

    /**
     * Fails with {@link Errno#EBUSY} if a live RW mount holds {@code volume} (what {@link #mkfs}
     * checks first); for tools that change a volume before formatting it (a resize).
     */
    static void refuseIfMounted(BlockVolume volume) throws PfsException {
        dev.pfs.core.fs.FileSystems.refuseIfMounted(volume);
    }

    /**
     * Mounts a formatted volume. A RW mount wins the volume through Disk Paxos or fails with
     * {@link Errno#EBUSY} naming the holder; a RO mount never writes.
     */
    static Pfs mount(BlockVolume volume, MountOptions options) throws PfsException {
        return dev.pfs.core.fs.FileSystems.mount(volume, options);
    }

    /** Reads the superblock, usage and RW holder of an unmounted (or mounted) volume. */
    static VolumeInfo info(BlockVolume volume) throws PfsException {
        return dev.pfs.core.fs.FileSystems.info(volume);
    }

    /** Checks a volume that is not mounted RW elsewhere; with {@code repair}, fixes what it can. */
    static FsckReport fsck(BlockVolume volume, boolean repair) throws PfsException {
        return dev.pfs.core.fs.FileSystems.fsck(volume, repair);
    }

    /** open(2): returns a file descriptor. {@code mode} applies when O_CREAT creates. */
    long open(String path, int flags, int mode) throws PfsException;

    /** creat(2): open(path, O_CREAT|O_WRONLY|O_TRUNC, mode). */
    default long creat(String path, int mode) throws PfsException {
        return open(path, OpenFlags.O_CREAT | OpenFlags.O_WRONLY | OpenFlags.O_TRUNC, mode);
    }

    /** close(2). */
    void close(long fd) throws PfsException;

    /** read(2) at the descriptor's offset; returns bytes read, 0 at end of file. */
    int read(long fd, ByteBuffer dst) throws PfsException;

    /** write(2) at the descriptor's offset (or the end with O_APPEND); returns bytes written. */
    int write(long fd, ByteBuffer src) throws PfsException;

    /** pread(2); returns bytes read, 0 at or past end of file. */
    int pread(long fd, ByteBuffer dst, long offset) throws PfsException;

    /** pwrite(2); returns bytes written. */
    int pwrite(long fd, ByteBuffer src, long offset) throws PfsException;

    /**
     * lseek(2) with {@link OpenFlags#SEEK_SET}, SEEK_CUR, SEEK_END, SEEK_DATA or SEEK_HOLE (ENXIO at
     * or past the end); returns the new offset.
     */
    long lseek(long fd, long offset, int whence) throws PfsException;

    /** fsync(2): the file's data and metadata are durable on return. */
    void fsync(long fd) throws PfsException;

    /** fdatasync(2): the file's data, and metadata needed to read it, are durable on return. */
    void fdatasync(long fd) throws PfsException;

    /** truncate(2). */
    void truncate(String path, long length) throws PfsException;

    /** ftruncate(2). */
    void ftruncate(long fd, long length) throws PfsException;

    /** fallocate(2) with mode 0, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE or ZERO_RANGE. */
    void fallocate(long fd, int mode, long offset, long length) throws PfsException;

    /** unlink(2). */
    void unlink(String path) throws PfsException;

    /** rename(2): atomic, replaces an existing target. */
    void rename(String from, String to) throws PfsException;

    /** link(2). */
    void link(String existing, String newPath) throws PfsException;

    /** symlink(2): creates {@code linkPath} pointing at {@code target}. */
    void symlink(String target, String linkPath) throws PfsException;

    /** readlink(2). */
    String readlink(String path) throws PfsException;

    /** stat(2), following a final symlink. */
    PfsStat stat(String path) throws PfsException;

    /** lstat(2), not following a final symlink. */
    PfsStat lstat(String path) throws PfsException;

    /** fstat(2). */
    PfsStat fstat(long fd) throws PfsException;

    /** chmod(2): permission bits only. */
    void chmod(String path, int mode) throws PfsException;

    /**
     * chown(2); -1 leaves a field unchanged. Changing either clears, on anything but a directory,
     * the set-user-ID bit and (when group-executable) the set-group-ID bit, as Linux does.
     */
    void chown(String path, int uid, int gid) throws PfsException;

    /** utimensat(2) with nanosecond times; a negative value leaves that time unchanged. */
    void utimens(String path, long atimeNs, long mtimeNs) throws PfsException;

    /** mkdir(2). */
    void mkdir(String path, int mode) throws PfsException;

    /** rmdir(2). */
    void rmdir(String path) throws PfsException;

    /** opendir(3) + readdir(3): the entries of a directory, without "." and "..". */
    List<DirEntry> readdir(String path) throws PfsException;

    /** access(2) with {@link OpenFlags#F_OK}, R_OK, W_OK, X_OK. */
    void access(String path, int mode) throws PfsException;

    /** renameat2(2) flag: fail with EEXIST rather than replace the target. */
    int RENAME_NOREPLACE = 1;
    /** renameat2(2) flag: swap two existing names atomically. */
    int RENAME_EXCHANGE = 2;

    /**
     * open(2) whose O_CREAT creates the file owned by {@code owner}, in the same transaction as
     * its name (no window in which it belongs to root).
     */
    long open(String path, int flags, int mode, Owner owner) throws PfsException;

    /** mkdir(2) of a directory owned by {@code owner}; {@code mode} may carry S_ISGID. */
    void mkdir(String path, int mode, Owner owner) throws PfsException;

    /** symlink(2) of a link owned by {@code owner}. */
    void symlink(String target, String linkPath, Owner owner) throws PfsException;

    /**
     * mknod(2): {@code mode} carries the type (S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK or S_IFREG)
     * and the permissions; {@code rdev} is kept for devices. Fails with EINVAL for a directory
     * or symlink type.
     */
    void mknod(String path, int mode, int rdev, Owner owner) throws PfsException;

    /** renameat2(2) with 0, {@link #RENAME_NOREPLACE} or {@link #RENAME_EXCHANGE}; atomic. */
    void rename(String from, String to, int flags) throws PfsException;

    /** linkat(fd, "", AT_FDCWD, newPath, AT_EMPTY_PATH): a new name for an open inode. */
    void linkat(long fd, String newPath) throws PfsException;

    /** fchmod(2). */
    void fchmod(long fd, int mode) throws PfsException;

    /** fchown(2); -1 leaves a field unchanged. */
    void fchown(long fd, int uid, int gid) throws PfsException;

    /** futimens(2); a negative value leaves that time unchanged. */
    void futimens(long fd, long atimeNs, long mtimeNs) throws PfsException;

    /** lchown(2): the owner of a symlink itself, not of its target. */
    void lchown(String path, int uid, int gid) throws PfsException;

    /** utimensat(2) with AT_SYMLINK_NOFOLLOW: the times of a symlink itself. */
    void lutimens(String path, long atimeNs, long mtimeNs) throws PfsException;

    /** setxattr(2) flag: fail with EEXIST if the attribute exists. */
    int XATTR_CREATE = 1;
    /** setxattr(2) flag: fail with ENODATA unless the attribute exists. */
    int XATTR_REPLACE = 2;

    /**
     * getxattr(2), or lgetxattr(2) unless {@code follow}: copies the value of extended attribute
     * {@code name} of the inode {@code path} names into {@code value} and returns its length.
     * With nothing remaining in {@code value} it only returns the length (the size probe).
     *
     * <p>Linux's rules and errors: a name is 1 to 255 bytes (else ERANGE) in the namespace
     * {@code user.}, {@code trusted.} or {@code security.} (else EOPNOTSUPP; {@code system.}
     * names, POSIX ACLs among them, are not supported, as on a file system without ACLs);
     * ENODATA when there is no such attribute, when a {@code trusted.} attribute is read by
     * anyone but root and for {@code user.} on anything but a regular file or directory; EACCES
     * when the caller may not read the inode ({@code user.}); ERANGE when {@code value} has
     * room but too little.
     */
    int getxattr(String path, boolean follow, String name, ByteBuffer value, Caller caller) throws PfsException;

    /** fgetxattr(2): {@link #getxattr(String, boolean, String, ByteBuffer, Caller)} on an open descriptor. */
    int fgetxattr(long fd, String name, ByteBuffer value, Caller caller) throws PfsException;

    /**
     * setxattr(2), or lsetxattr(2) unless {@code follow}: sets extended attribute {@code name} to
     * the remaining bytes of {@code value} (at most 64 KiB, else E2BIG). {@code flags} is 0,
     * {@link #XATTR_CREATE} (EEXIST if it exists) or {@link #XATTR_REPLACE} (ENODATA if not).
     * A {@code user.} attribute needs a regular file or directory (else EPERM), write permission
     * (else EACCES) and, on a sticky directory, its owner; {@code trusted.} and
     * {@code security.} attributes need root (EPERM). ENOSPC when the inode holds too many
     * (about 64 KiB of names and values) or the volume has no room left; EOPNOTSUPP on a volume
     * of format version 1, which has no room for them. Journaled like any attribute change:
     * durable at the next commit (an fsync of any file does it), and gone with the inode.
     */
    void setxattr(String path, boolean follow, String name, ByteBuffer value, int flags, Caller caller)
            throws PfsException;

    /** fsetxattr(2): {@link #setxattr(String, boolean, String, ByteBuffer, int, Caller)} on an open descriptor. */
    void fsetxattr(long fd, String name, ByteBuffer value, int flags, Caller caller) throws PfsException;

    /**
     * listxattr(2), or llistxattr(2) unless {@code follow}: copies the names of the inode's
     * extended attributes, each followed by a NUL byte, into {@code list} and returns their
     * length; with nothing remaining in {@code list} only returns the length, ERANGE when
     * {@code list} has room but too little. {@code trusted.} names are listed to root only.
     */
    int listxattr(String path, boolean follow, ByteBuffer list, Caller caller) throws PfsException;

    /** flistxattr(2): {@link #listxattr(String, boolean, ByteBuffer, Caller)} on an open descriptor. */
    int flistxattr(long fd, ByteBuffer list, Caller caller) throws PfsException;

    /**
     * removexattr(2), or lremovexattr(2) unless {@code follow}: ENODATA if there is no such
     * attribute; otherwise the rules of {@link #setxattr(String, boolean, String, ByteBuffer, int, Caller)}.
     */
    void removexattr(String path, boolean follow, String name, Caller caller) throws PfsException;

    /** fremovexattr(2): {@link #removexattr(String, boolean, String, Caller)} on an open descriptor. */
    void fremovexattr(long fd, String name, Caller caller) throws PfsException;

    /** getxattr(2) as root, following a final symlink. */
    default int getxattr(String path, String name, ByteBuffer value) throws PfsException {
        return getxattr(path, true, name, value, Caller.ROOT);
    }

    /** setxattr(2) as root, following a final symlink. */
    default void setxattr(String path, String name, ByteBuffer value, int flags) throws PfsException {
        setxattr(path, true, name, value, flags, Caller.ROOT);
    }

    /** listxattr(2) as root, following a final symlink. */
    default int listxattr(String path, ByteBuffer list) throws PfsException {
        return listxattr(path, true, list, Caller.ROOT);
    }

    /** removexattr(2) as root, following a final symlink. */
    default void removexattr(String path, String name) throws PfsException {
        removexattr(path, true, name, Caller.ROOT);
    }

    /**
     * Registers a listener a RO mount calls after each journal replay that changed something;
     * a RW mount never calls it.
     */
    void addReplayListener(ReplayListener listener);

    /** statfs(2). */
    PfsStatFs statfs() throws PfsException;

    /** pfs_mount_growfs: grows the file system to the volume's current size. */
    void growfs() throws PfsException;

    /** @return whether this mount may write */
    boolean isReadWrite();

    /** @return the epoch this RW mount writes with (0 for a RO mount) */
    long epoch();

    /** umount: flushes, releases the RW lease, closes descriptors. The volume stays open. */
    @Override
    void close() throws PfsException;
}
