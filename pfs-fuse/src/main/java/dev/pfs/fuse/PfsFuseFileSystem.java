package dev.pfs.fuse;

import dev.pfs.core.DirEntry;
import dev.pfs.core.Errno;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.PfsStat;
import dev.pfs.core.PfsStatFs;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import org.cryptomator.jfuse.api.DirFiller;
import org.cryptomator.jfuse.api.FileInfo;
import org.cryptomator.jfuse.api.FuseConfig;
import org.cryptomator.jfuse.api.FuseConnInfo;
import org.cryptomator.jfuse.api.FuseOperations;
import org.cryptomator.jfuse.api.Stat;
import org.cryptomator.jfuse.api.Statvfs;
import org.cryptomator.jfuse.api.TimeSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FUSE file system: every callback of libfuse's path-based API mapped onto one libpfs
 * call, the file handle being the libpfs file descriptor.
 *
 * <p>Each callback returns 0 (or a byte count) or a negative errno taken from the
 * {@link PfsException}; no exception ever escapes into native code. Writes are write-through
 * (no kernel writeback cache), so fsync here is exactly libpfs's fsync. xattr callbacks are not
 * bound: the kernel answers ENOTSUP and stops asking. flock and fcntl locks are left to the
 * kernel, which keeps them locally: correct for the single RW mount.
 */
final class PfsFuseFileSystem implements FuseOperations, LibfuseExtras.ExtraOperations {
    private static final Logger LOG = LoggerFactory.getLogger(PfsFuseFileSystem.class);
    private static final int RENAME_NOREPLACE = 1;
    private static final int RENAME_EXCHANGE = 2;
    private static final int MAX_WRITE = 1 << 20;
    /** Open flags passed to libpfs; O_APPEND is dropped because the kernel sends the offsets. */
    private static final int PASSED_OPEN_FLAGS = OpenFlags.O_ACCMODE | OpenFlags.O_TRUNC
            | OpenFlags.O_EXCL | OpenFlags.O_DIRECT | OpenFlags.O_SYNC | OpenFlags.O_DSYNC;

    private final Pfs pfs;
    private final org.cryptomator.jfuse.api.Errno fuseErrno;
    private final WritebackErrors writebackErrors = new WritebackErrors();

    PfsFuseFileSystem(Pfs pfs, org.cryptomator.jfuse.api.Errno fuseErrno) {
        this.pfs = pfs;
        this.fuseErrno = fuseErrno;
    }

    @Override
    public org.cryptomator.jfuse.api.Errno errno() {
        return fuseErrno;
    }

    @Override
    public Set<Operation> supportedOperations() {
        return EnumSet.of(Operation.INIT, Operation.GET_ATTR, Operation.READLINK, Operation.MKDIR,
                Operation.UNLINK, Operation.RMDIR, Operation.SYMLINK, Operation.RENAME,
                Operation.CHMOD, Operation.CHOWN, Operation.TRUNCATE, Operation.OPEN,
                Operation.READ, Operation.WRITE, Operation.STATFS, Operation.FLUSH,
                Operation.RELEASE, Operation.FSYNC, Operation.OPEN_DIR, Operation.READ_DIR,
                Operation.RELEASE_DIR, Operation.FSYNCDIR, Operation.ACCESS, Operation.CREATE,
                Operation.UTIMENS);
    }

    @Override
    public void init(FuseConnInfo conn, FuseConfig config) {
        conn.setMaxWrite(MAX_WRITE);
        conn.setMaxReadahead(MAX_WRITE);
        conn.setWant(conn.want() & ~FuseConnInfo.FUSE_CAP_WRITEBACK_CACHE);
        LibfuseExtras.setUseIno(config);
        LOG.info("FUSE session: protocol {}.{}, max_write {}, writeback cache off",
                conn.protoMajor(), conn.protoMinor(), conn.maxWrite());
    }

    @Override
    public int getattr(String path, Stat stat, FileInfo fi) {
        return call("getattr", path, () -> {
            PfsStat st = fi != null ? pfs.fstat((int) fi.getFh()) : pfs.lstat(path);
            fill(stat, st);
            return 0;
        });
    }

    @Override
    public int readlink(String path, ByteBuffer buf, long len) {
        return call("readlink", path, () -> {
            byte[] target = pfs.readlink(path).getBytes(StandardCharsets.UTF_8);
            int n = (int) Math.min(target.length, len - 1);
            buf.put(0, target, 0, n);
            buf.put(n, (byte) 0);
            return 0;
        });
    }

    @Override
    public int mkdir(String path, int mode) {
        return call("mkdir", path, () -> {
            pfs.mkdir(path, mode & 07777);
            ownByCaller(path);
            return 0;
        });
    }

    @Override
    public int unlink(String path) {
        return call("unlink", path, () -> {
            pfs.unlink(path);
            return 0;
        });
    }

    @Override
    public int rmdir(String path) {
        return call("rmdir", path, () -> {
            pfs.rmdir(path);
            return 0;
        });
    }

    @Override
    public int symlink(String target, String linkPath) {
        return call("symlink", linkPath, () -> {
            pfs.symlink(target, linkPath);
            ownByCaller(linkPath);
            return 0;
        });
    }

    @Override
    public int link(String existing, String newPath) {
        return call("link", newPath, () -> {
            pfs.link(existing, newPath);
            return 0;
        });
    }

    @Override
    public int rename(String from, String to, int flags) {
        return call("rename", from, () -> {
            if ((flags & RENAME_EXCHANGE) != 0) {
                return -Errno.EINVAL.code();
            }
            if ((flags & RENAME_NOREPLACE) != 0 && exists(to)) {
                return -Errno.EEXIST.code();
            }
            pfs.rename(from, to);
            return 0;
        });
    }

    @Override
    public int chmod(String path, int mode, FileInfo fi) {
        return call("chmod", path, () -> {
            pfs.chmod(path, mode & 07777);
            return 0;
        });
    }

    @Override
    public int chown(String path, int uid, int gid, FileInfo fi) {
        return call("chown", path, () -> {
            pfs.chown(path, uid, gid);
            return 0;
        });
    }

    @Override
    public int truncate(String path, long size, FileInfo fi) {
        return call("truncate", path, () -> {
            if (fi != null) {
                pfs.ftruncate((int) fi.getFh(), size);
            } else {
                pfs.truncate(path, size);
            }
            return 0;
        });
    }

    @Override
    public int open(String path, FileInfo fi) {
        return call("open", path, () -> {
            fi.setFh(pfs.open(path, fi.getFlags() & PASSED_OPEN_FLAGS, 0));
            return 0;
        });
    }

    @Override
    public int create(String path, int mode, FileInfo fi) {
        return call("create", path, () -> {
            long fd = pfs.open(path, (fi.getFlags() & PASSED_OPEN_FLAGS) | OpenFlags.O_CREAT,
                    mode & 07777);
            fi.setFh(fd);
            ownByCaller(path);
            return 0;
        });
    }

    @Override
    public int read(String path, ByteBuffer buf, long size, long offset, FileInfo fi) {
        return call("read", path, () -> {
            int fd = (int) fi.getFh();
            ByteBuffer dst = buf.slice(0, (int) Math.min(size, buf.capacity()));
            long pos = offset;
            while (dst.hasRemaining()) {
                int n = pfs.pread(fd, dst, pos);
                if (n <= 0) {
                    break;
                }
                pos += n;
            }
            return dst.position();
        });
    }

    @Override
    public int write(String path, ByteBuffer buf, long size, long offset, FileInfo fi) {
        int fd = (int) fi.getFh();
        return call("write", path, () -> {
            ByteBuffer src = buf.slice(0, (int) Math.min(size, buf.capacity()));
            long pos = offset;
            try {
                while (src.hasRemaining()) {
                    pos += pfs.pwrite(fd, src, pos);
                }
            } catch (PfsException e) {
                rememberFailure(fd, e.errno());
                throw e;
            }
            return src.position();
        });
    }

    @Override
    public int statfs(String path, Statvfs statvfs) {
        return call("statfs", path, () -> {
            PfsStatFs fs = pfs.statfs();
            statvfs.setBsize(fs.blockSize());
            statvfs.setFrsize(fs.blockSize());
            statvfs.setBlocks(fs.totalBlocks());
            statvfs.setBfree(fs.freeBlocks());
            statvfs.setBavail(fs.freeBlocks());
            statvfs.setNameMax(fs.nameMax());
            LibfuseExtras.setStatvfsInodes(statvfs, fs.totalInodes(), fs.freeInodes());
            return 0;
        });
    }

    @Override
    public int flush(String path, FileInfo fi) {
        return call("flush", path, () -> writebackErrors.any() ? stickyError((int) fi.getFh()) : 0);
    }

    @Override
    public int release(String path, FileInfo fi) {
        return call("release", path, () -> {
            pfs.close((int) fi.getFh());
            return 0;
        });
    }

    @Override
    public int fsync(String path, int datasync, FileInfo fi) {
        int fd = (int) fi.getFh();
        return call("fsync", path, () -> {
            int sticky = stickyError(fd);
            if (sticky != 0) {
                return sticky;
            }
            try {
                if (datasync != 0) {
                    pfs.fdatasync(fd);
                } else {
                    pfs.fsync(fd);
                }
            } catch (PfsException e) {
                rememberFailure(fd, e.errno());
                throw e;
            }
            return 0;
        });
    }

    @Override
    public int opendir(String path, FileInfo fi) {
        return call("opendir", path, () -> {
            PfsStat st = pfs.stat(path);
            return st.type() == dev.pfs.core.FileType.DIRECTORY ? 0 : -Errno.ENOTDIR.code();
        });
    }

    @Override
    public int readdir(String path, DirFiller filler, long offset, FileInfo fi, int flags) {
        return call("readdir", path, () -> {
            // With use_ino libfuse passes st_ino as d_ino, and glibc hides entries whose d_ino is 0.
            PfsStat self = pfs.stat(path);
            int slash = path.lastIndexOf('/');
            PfsStat parent = path.equals("/") ? self : pfs.stat(slash <= 0 ? "/" : path.substring(0, slash));
            filler.fill(".", st -> dirEntryStat(st, self.ino(), self.mode()));
            filler.fill("..", st -> dirEntryStat(st, parent.ino(), parent.mode()));
            for (DirEntry e : pfs.readdir(path)) {
                filler.fill(e.name(), st -> dirEntryStat(st, e.ino(), e.type().modeBits()));
            }
            return 0;
        });
    }

    private static void dirEntryStat(Stat st, long ino, int mode) {
        st.setMode(mode);
        LibfuseExtras.setStatIno(st, ino);
    }

    @Override
    public int releasedir(String path, FileInfo fi) {
        return 0;
    }

    @Override
    public int fsyncdir(String path, int datasync, FileInfo fi) {
        return call("fsyncdir", path, () -> {
            long fd = pfs.open(path, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY, 0);
            try {
                pfs.fsync(fd);
            } finally {
                pfs.close(fd);
            }
            return 0;
        });
    }

    @Override
    public int access(String path, int mask) {
        return call("access", path, () -> {
            pfs.access(path, mask);
            return 0;
        });
    }

    @Override
    public int utimens(String path, TimeSpec atime, TimeSpec mtime, FileInfo fi) {
        return call("utimens", path, () -> {
            pfs.utimens(path, nanos(atime), nanos(mtime));
            return 0;
        });
    }

    @Override
    public int fallocate(String path, int mode, long offset, long length, long fh) {
        return call("fallocate", path, () -> {
            if (fh < 0) {
                return -Errno.EBADF.code();
            }
            pfs.fallocate((int) fh, mode, offset, length);
            return 0;
        });
    }

    private void fill(Stat stat, PfsStat st) {
        stat.setMode(st.mode());
        stat.setNLink((short) Math.min(st.nlink(), Short.MAX_VALUE));
        stat.setUid(st.uid());
        stat.setGid(st.gid());
        stat.setSize(st.size());
        stat.aTime().set(instant(st.atimeNs()));
        stat.mTime().set(instant(st.mtimeNs()));
        stat.cTime().set(instant(st.ctimeNs()));
        LibfuseExtras.setStatExtras(stat, st.ino(), st.blksize(), st.blocks());
    }

    /** Files a non-root process creates belong to it, as on a local file system. */
    private void ownByCaller(String path) throws PfsException {
        int[] caller = LibfuseExtras.caller();
        if (caller[0] != 0 || caller[1] != 0) {
            pfs.chown(path, caller[0], caller[1]);
        }
    }

    private boolean exists(String path) throws PfsException {
        try {
            pfs.lstat(path);
            return true;
        } catch (PfsException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    private int stickyError(int fd) throws PfsException {
        Errno sticky = writebackErrors.check(pfs.fstat(fd).ino());
        return sticky == null ? 0 : -sticky.code();
    }

    private void rememberFailure(int fd, Errno errno) {
        try {
            writebackErrors.record(pfs.fstat(fd).ino(), errno);
        } catch (PfsException e) {
            LOG.warn("cannot stat fd {} to remember its {}: {}", fd, errno, e.getMessage());
        }
    }

    private static long nanos(TimeSpec t) {
        if (t.isUtimeOmit()) {
            return -1;
        }
        Instant i = t.isUtimeNow() ? Instant.now() : t.get();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    private static Instant instant(long ns) {
        return Instant.ofEpochSecond(Math.floorDiv(ns, 1_000_000_000L), Math.floorMod(ns, 1_000_000_000L));
    }

    private interface FsCall {
        int run() throws Exception;
    }

    /** Runs one callback: errno from libpfs, EIO (logged once with its trace) for anything else. */
    private static int call(String op, String path, FsCall body) {
        try {
            return body.run();
        } catch (PfsException e) {
            if (e.errno() == Errno.EIO) {
                LOG.warn("{} {}: {}", op, path, e.getMessage());
            }
            return -e.errno().code();
        } catch (Exception | Error e) {
            LOG.error("{} {}: unexpected failure, answering EIO", op, path, e);
            return -Errno.EIO.code();
        }
    }
}
