import dev.pfs.common.volume.FileVolume;
import dev.pfs.core.DirEntry;
import dev.pfs.core.MountOptions;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.PfsStat;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The other candidate of docs/fuse-binding.md, measured and rejected: a minimal FFM binding to
 * libfuse 3's low-level API (fuse_session_new, fuse_lowlevel_ops, fuse_session_loop_mt,
 * fuse_reply_*) serving one flat directory of a libpfs volume, just enough for fio. Not part
 * of pfs; run by scripts/bench/fuse-binding-compare.
 *
 * <p>Usage: java -cp CLASSPATH LibfuseLowLevelProto.java VOLUME MOUNTPOINT
 *
 * <p>Layouts assumed (libfuse 3.14, x86_64): fuse_lowlevel_ops = 44 function pointers in header
 * order; struct stat 144 B; fuse_entry_param {ino, generation, stat, attr_timeout,
 * entry_timeout}; fuse_file_info.fh at +16; fuse_conn_info.max_write at +8, max_readahead +16;
 * struct statvfs 112 B.
 */
public final class LibfuseLowLevelProto {
    private static final Linker L = Linker.nativeLinker();
    private static final AddressLayout A = ValueLayout.ADDRESS;
    private static final ValueLayout.OfLong J = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE;
    private static SymbolLookup lib;
    private static MethodHandle replyEntry, replyAttr, replyOpen, replyBuf, replyErr, replyWrite, replyCreate,
            replyNone, replyStatfs, addDirentry;
    private static Pfs pfs;
    private static final Map<Long, String> names = new ConcurrentHashMap<>();
    private static final ThreadLocal<MemorySegment> BUF = ThreadLocal.withInitial(
            () -> Arena.global().allocate(1 << 21, 4096));

    private static MethodHandle down(String name, FunctionDescriptor fd) {
        return L.downcallHandle(lib.find(name).orElseThrow(), fd);
    }

    public static void main(String[] args) throws Throwable {
        lib = SymbolLookup.libraryLookup(Path.of("/usr/lib/x86_64-linux-gnu/libfuse3.so.3"), Arena.global());
        replyEntry = down("fuse_reply_entry", FunctionDescriptor.of(I, A, A));
        replyAttr = down("fuse_reply_attr", FunctionDescriptor.of(I, A, A, D));
        replyOpen = down("fuse_reply_open", FunctionDescriptor.of(I, A, A));
        replyBuf = down("fuse_reply_buf", FunctionDescriptor.of(I, A, A, J));
        replyErr = down("fuse_reply_err", FunctionDescriptor.of(I, A, I));
        replyWrite = down("fuse_reply_write", FunctionDescriptor.of(I, A, J));
        replyCreate = down("fuse_reply_create", FunctionDescriptor.of(I, A, A, A));
        replyNone = down("fuse_reply_none", FunctionDescriptor.ofVoid(A));
        replyStatfs = down("fuse_reply_statfs", FunctionDescriptor.of(I, A, A));
        addDirentry = down("fuse_add_direntry", FunctionDescriptor.of(J, A, A, J, A, A, J));
        int version = (int) down("fuse_version", FunctionDescriptor.of(I)).invokeExact();
        if (version < 314 || version >= 400) {
            throw new IllegalStateException("libfuse " + version + ": the prototype knows 3.14's layouts only");
        }
        FileVolume volume = FileVolume.open(Path.of(args[0]), true, FileVolume.CALLER_THREAD);
        pfs = Pfs.mount(volume, MountOptions.readWrite(0));
        Arena arena = Arena.global();
        MemorySegment ops = arena.allocate(44 * 8L, 8);
        set(ops, 0, "init", FunctionDescriptor.ofVoid(A, A));
        set(ops, 2, "lookup", FunctionDescriptor.ofVoid(A, J, A));
        set(ops, 3, "forget", FunctionDescriptor.ofVoid(A, J, J));
        set(ops, 4, "getattr", FunctionDescriptor.ofVoid(A, J, A));
        set(ops, 5, "setattr", FunctionDescriptor.ofVoid(A, J, A, I, A));
        set(ops, 9, "unlink", FunctionDescriptor.ofVoid(A, J, A));
        set(ops, 14, "open", FunctionDescriptor.ofVoid(A, J, A));
        set(ops, 15, "read", FunctionDescriptor.ofVoid(A, J, J, J, A));
        set(ops, 16, "write", FunctionDescriptor.ofVoid(A, J, A, J, J, A));
        set(ops, 17, "flush", FunctionDescriptor.ofVoid(A, J, A));
        set(ops, 18, "release", FunctionDescriptor.ofVoid(A, J, A));
        set(ops, 19, "fsync", FunctionDescriptor.ofVoid(A, J, I, A));
        set(ops, 20, "opendir", FunctionDescriptor.ofVoid(A, J, A));
        set(ops, 21, "readdir", FunctionDescriptor.ofVoid(A, J, J, J, A));
        set(ops, 22, "flush", FunctionDescriptor.ofVoid(A, J, A));
        set(ops, 24, "statfs", FunctionDescriptor.ofVoid(A, J));
        set(ops, 30, "create", FunctionDescriptor.ofVoid(A, J, A, I, A));
        set(ops, 40, "fallocate", FunctionDescriptor.ofVoid(A, J, I, J, J, A));
        String[] argv = {"proto", "-o", "default_permissions,fsname=proto,subtype=proto"};
        MemorySegment cargv = arena.allocate(A, argv.length + 1);
        for (int i = 0; i < argv.length; i++) {
            cargv.setAtIndex(A, i, arena.allocateFrom(argv[i]));
        }
        MemorySegment fargs = arena.allocate(24, 8);
        fargs.set(I, 0, argv.length);
        fargs.set(A, 8, cargv);
        MemorySegment se = (MemorySegment) down("fuse_session_new", FunctionDescriptor.of(A, A, A, J, A))
                .invokeExact(fargs, ops, 44 * 8L, MemorySegment.NULL);
        if (se.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("fuse_session_new failed");
        }
        int rc = (int) down("fuse_session_mount", FunctionDescriptor.of(I, A, A)).invokeExact(se, arena.allocateFrom(args[1]));
        if (rc != 0) {
            throw new IllegalStateException("fuse_session_mount failed");
        }
        System.out.println("mounted libfuse " + version + " low-level prototype at " + args[1]);
        rc = (int) down("fuse_session_loop_mt_31", FunctionDescriptor.of(I, A, I)).invokeExact(se, 0);
        down("fuse_session_unmount", FunctionDescriptor.ofVoid(A)).invokeExact(se);
        pfs.close();
        volume.close();
        System.out.println("loop ended: " + rc);
    }

    private static void set(MemorySegment ops, int index, String name, FunctionDescriptor fd) throws Exception {
        MethodType mt = fd.toMethodType();
        MethodHandle mh = MethodHandles.lookup().findStatic(LibfuseLowLevelProto.class, name, mt);
        ops.set(A, index * 8L, L.upcallStub(mh, fd, Arena.global()));
    }

    private static String path(long ino) {
        return ino == 1 ? "/" : "/" + names.get(ino);
    }

    private static void err(MemorySegment req, PfsException e) {
        try {
            int x = (int) replyErr.invokeExact(req, e.errno().code());
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static MemorySegment stat(Arena a, PfsStat st) {
        MemorySegment s = a.allocate(144, 8);
        fillStat(s, st);
        return s;
    }

    private static void fillStat(MemorySegment s, PfsStat st) {
        s.set(J, 8, st.ino());
        s.set(J, 16, st.nlink());
        s.set(I, 24, st.mode());
        s.set(I, 28, st.uid());
        s.set(I, 32, st.gid());
        s.set(J, 48, st.size());
        s.set(J, 56, st.blksize());
        s.set(J, 64, st.blocks());
        s.set(J, 72, st.atimeNs() / 1_000_000_000L);
        s.set(J, 80, st.atimeNs() % 1_000_000_000L);
        s.set(J, 88, st.mtimeNs() / 1_000_000_000L);
        s.set(J, 96, st.mtimeNs() % 1_000_000_000L);
        s.set(J, 104, st.ctimeNs() / 1_000_000_000L);
        s.set(J, 112, st.ctimeNs() % 1_000_000_000L);
    }

    private static MemorySegment entry(Arena a, PfsStat st) {
        MemorySegment e = a.allocate(176, 8);
        e.set(J, 0, st.ino());
        fillStat(e.asSlice(16, 144), st);
        e.set(D, 160, 1.0);
        e.set(D, 168, 1.0);
        return e;
    }

    /** One upcall's work; its reply is sent inside. */
    private interface Body {
        void run(Arena a) throws Throwable;
    }

    /** Runs an upcall: a libpfs error becomes fuse_reply_err, anything else is a bug. */
    private static void serve(MemorySegment req, Body body) {
        try (Arena a = Arena.ofConfined()) {
            body.run(a);
        } catch (PfsException e) {
            err(req, e);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static void init(MemorySegment userdata, MemorySegment conn) {
        MemorySegment c = conn.reinterpret(64);
        c.set(I, 8, 1 << 20);
        c.set(I, 16, 1 << 20);
    }

    static void lookup(MemorySegment req, long parent, MemorySegment name) {
        String n = name.reinterpret(Long.MAX_VALUE).getString(0);
        serve(req, a -> {
            PfsStat st = pfs.lstat("/" + n);
            names.put(st.ino(), n);
            int x = (int) replyEntry.invokeExact(req, entry(a, st));
        });
    }

    static void forget(MemorySegment req, long ino, long n) {
        serve(req, a -> {
            replyNone.invokeExact(req);
        });
    }

    static void getattr(MemorySegment req, long ino, MemorySegment fi) {
        serve(req, a -> {
            int x = (int) replyAttr.invokeExact(req, stat(a, pfs.lstat(path(ino))), 1.0);
        });
    }

    static void setattr(MemorySegment req, long ino, MemorySegment attr, int toSet, MemorySegment fi) {
        serve(req, a -> {
            if ((toSet & 8) != 0) {
                pfs.truncate(path(ino), attr.reinterpret(144).get(J, 48));
            }
            int x = (int) replyAttr.invokeExact(req, stat(a, pfs.lstat(path(ino))), 1.0);
        });
    }

    static void unlink(MemorySegment req, long parent, MemorySegment name) {
        serve(req, a -> {
            pfs.unlink("/" + name.reinterpret(Long.MAX_VALUE).getString(0));
            int x = (int) replyErr.invokeExact(req, 0);
        });
    }

    static void open(MemorySegment req, long ino, MemorySegment fi) {
        serve(req, a -> {
            MemorySegment f = fi.reinterpret(40);
            f.set(J, 16, pfs.open(path(ino), OpenFlags.O_RDWR, 0));
            int x = (int) replyOpen.invokeExact(req, fi);
        });
    }

    static void create(MemorySegment req, long parent, MemorySegment name, int mode, MemorySegment fi) {
        String n = name.reinterpret(Long.MAX_VALUE).getString(0);
        serve(req, a -> {
            int fd = pfs.open("/" + n, OpenFlags.O_RDWR | OpenFlags.O_CREAT, mode & 07777);
            PfsStat st = pfs.fstat(fd);
            names.put(st.ino(), n);
            fi.reinterpret(40).set(J, 16, fd);
            int x = (int) replyCreate.invokeExact(req, entry(a, st), fi);
        });
    }

    static void read(MemorySegment req, long ino, long size, long off, MemorySegment fi) {
        serve(req, a -> {
            int fd = (int) fi.reinterpret(40).get(J, 16);
            MemorySegment buf = BUF.get();
            ByteBuffer dst = buf.asSlice(0, size).asByteBuffer();
            long pos = off;
            while (dst.hasRemaining()) {
                int n = pfs.pread(fd, dst, pos);
                if (n <= 0) {
                    break;
                }
                pos += n;
            }
            int x = (int) replyBuf.invokeExact(req, buf, (long) dst.position());
        });
    }

    static void write(MemorySegment req, long ino, MemorySegment buf, long size, long off, MemorySegment fi) {
        serve(req, a -> {
            int fd = (int) fi.reinterpret(40).get(J, 16);
            ByteBuffer src = buf.reinterpret(size).asByteBuffer();
            long pos = off;
            while (src.hasRemaining()) {
                pos += pfs.pwrite(fd, src, pos);
            }
            int x = (int) replyWrite.invokeExact(req, size);
        });
    }

    static void flush(MemorySegment req, long ino, MemorySegment fi) {
        serve(req, a -> {
            int x = (int) replyErr.invokeExact(req, 0);
        });
    }

    static void release(MemorySegment req, long ino, MemorySegment fi) {
        serve(req, a -> {
            pfs.close((int) fi.reinterpret(40).get(J, 16));
            int x = (int) replyErr.invokeExact(req, 0);
        });
    }

    static void fsync(MemorySegment req, long ino, int datasync, MemorySegment fi) {
        serve(req, a -> {
            int fd = (int) fi.reinterpret(40).get(J, 16);
            if (datasync != 0) {
                pfs.fdatasync(fd);
            } else {
                pfs.fsync(fd);
            }
            int x = (int) replyErr.invokeExact(req, 0);
        });
    }

    static void opendir(MemorySegment req, long ino, MemorySegment fi) {
        serve(req, a -> {
            int x = (int) replyOpen.invokeExact(req, fi);
        });
    }

    static void readdir(MemorySegment req, long ino, long size, long off, MemorySegment fi) {
        serve(req, a -> {
            List<DirEntry> entries = pfs.readdir("/");
            MemorySegment buf = BUF.get();
            MemorySegment st = a.allocate(144, 8);
            long used = 0;
            for (int i = (int) off; i < entries.size(); i++) {
                DirEntry e = entries.get(i);
                st.set(J, 8, e.ino());
                st.set(I, 24, e.type().modeBits());
                long n = (long) addDirentry.invokeExact(req, buf.asSlice(used), size - used,
                        a.allocateFrom(e.name()), st, (long) i + 1);
                if (n > size - used) {
                    break;
                }
                used += n;
            }
            int x = (int) replyBuf.invokeExact(req, buf, used);
        });
    }

    static void statfs(MemorySegment req, long ino) {
        serve(req, a -> {
            var fs = pfs.statfs();
            MemorySegment s = a.allocate(112, 8);
            s.set(J, 0, fs.blockSize());
            s.set(J, 8, fs.blockSize());
            s.set(J, 16, fs.totalBlocks());
            s.set(J, 24, fs.freeBlocks());
            s.set(J, 32, fs.freeBlocks());
            s.set(J, 80, fs.nameMax());
            int x = (int) replyStatfs.invokeExact(req, s);
        });
    }

    static void fallocate(MemorySegment req, long ino, int mode, long off, long len, MemorySegment fi) {
        serve(req, a -> {
            pfs.fallocate((int) fi.reinterpret(40).get(J, 16), mode, off, len);
            int x = (int) replyErr.invokeExact(req, 0);
        });
    }
}
