package dev.pfs.fuse;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cryptomator.jfuse.api.Fuse;

/**
 * The parts of libfuse 3 that jfuse 0.7 does not expose, reached through FFM on the same
 * native structures jfuse uses (x86_64 Linux layouts, libfuse 3.x ABI).
 *
 * <p>jfuse builds the {@code struct fuse_operations} it hands to {@code fuse_new} but binds
 * neither {@code link} nor {@code fallocate}; it hands {@code getattr} a {@code struct stat}
 * without setters for {@code st_ino}/{@code st_blocks}, and {@code statfs} a
 * {@code struct statvfs} without inode counts; and it has no {@code fuse_get_context}. This
 * class fills those gaps by writing the fields at their ABI offsets:
 *
 * <pre>
 * struct fuse_operations (8-byte function pointers)   struct stat (x86_64)
 *   +64  link                                          +8   st_ino
 *   +312 fallocate                                     +56  st_blksize
 * struct statvfs                                       +64  st_blocks
 *   +40 f_files  +48 f_ffree  +56 f_favail           struct fuse_file_info: +16 fh
 * struct fuse_context: +8 uid  +12 gid  +16 pid  +32 umask
 * struct fuse_config:  +64 use_ino
 * </pre>
 */
final class LibfuseExtras {
    private static final long OPS_LINK = 64;
    private static final long OPS_FALLOCATE = 312;
    private static final long STAT_INO = 8;
    private static final long STAT_BLKSIZE = 56;
    private static final long STAT_BLOCKS = 64;
    private static final long STATVFS_FILES = 40;
    private static final long STATVFS_FFREE = 48;
    private static final long STATVFS_FAVAIL = 56;
    private static final long FILE_INFO_FH = 16;
    private static final long CONTEXT_UID = 8;
    private static final long CONTEXT_GID = 12;
    private static final long CONTEXT_SIZE = 40;
    private static final long CONFIG_USE_INO = 64;

    private static final List<String> LIBRARY_CANDIDATES = List.of(
            "/usr/lib/x86_64-linux-gnu/libfuse3.so.3", "/lib/x86_64-linux-gnu/libfuse3.so.3",
            "/usr/lib64/libfuse3.so.3", "/usr/lib/libfuse3.so.3");

    /** The link and fallocate callbacks jfuse does not bind. */
    interface ExtraOperations {
        /** link(2); returns 0 or a negative errno. */
        int link(String existing, String newPath);

        /** fallocate(2) on the open file {@code fh}; returns 0 or a negative errno. */
        int fallocate(String path, int mode, long offset, long length, long fh);
    }

    private static final MethodHandle GET_CONTEXT;

    /** jfuse's struct wrappers are records with a public segment() in a package-private class. */
    private static final ClassValue<MethodHandle> SEGMENT_ACCESSOR = new ClassValue<>() {
        @Override
        protected MethodHandle computeValue(Class<?> type) {
            try {
                Method m = type.getMethod("segment");
                m.setAccessible(true);
                return MethodHandles.lookup().unreflect(m);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(type + " has no segment(): unsupported jfuse", e);
            }
        }
    };

    static {
        SymbolLookup lib = SymbolLookup.libraryLookup(libraryPath(), Arena.global());
        GET_CONTEXT = Linker.nativeLinker().downcallHandle(
                lib.find("fuse_get_context").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS));
    }

    private LibfuseExtras() {
    }

    /** @return the path of libfuse 3 on this machine, or fails naming the package to install */
    static Path libraryPath() {
        for (String candidate : LIBRARY_CANDIDATES) {
            Path p = Path.of(candidate);
            if (Files.exists(p)) {
                return p;
            }
        }
        throw new IllegalStateException("libfuse 3 not found (looked in " + LIBRARY_CANDIDATES
                + "); install it: apt-get install fuse3");
    }

    /** Writes link and fallocate callbacks into the operations struct jfuse built for {@code fuse}. */
    static void installExtraOperations(Fuse fuse, ExtraOperations ops, Arena arena) {
        MemorySegment struct = (MemorySegment) readField(Fuse.class, "fuseOperationsStruct", fuse);
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            MethodHandle link = lookup.findStatic(LibfuseExtras.class, "linkUpcall",
                    MethodType.methodType(int.class, ExtraOperations.class, MemorySegment.class,
                            MemorySegment.class)).bindTo(ops);
            MethodHandle fallocate = lookup.findStatic(LibfuseExtras.class, "fallocateUpcall",
                    MethodType.methodType(int.class, ExtraOperations.class, MemorySegment.class,
                            int.class, long.class, long.class, MemorySegment.class)).bindTo(ops);
            Linker linker = Linker.nativeLinker();
            struct.set(ValueLayout.ADDRESS, OPS_LINK, linker.upcallStub(link, FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS), arena));
            struct.set(ValueLayout.ADDRESS, OPS_FALLOCATE, linker.upcallStub(fallocate,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                            ValueLayout.ADDRESS), arena));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot bind link/fallocate upcalls", e);
        }
    }

    /** Sets st_ino, st_blksize and st_blocks of the {@code struct stat} behind jfuse's Stat. */
    static void setStatExtras(Object jfuseStat, long ino, long blksize, long blocks) {
        MemorySegment s = segmentOf(jfuseStat);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, STAT_INO, ino);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, STAT_BLKSIZE, blksize);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, STAT_BLOCKS, blocks);
    }

    /**
     * Makes libfuse report pfs inode numbers in st_ino (libfuse 3 took {@code use_ino} off the
     * command line; it is a {@code struct fuse_config} field set in init).
     */
    static void setUseIno(Object jfuseConfig) {
        segmentOf(jfuseConfig).set(ValueLayout.JAVA_INT, CONFIG_USE_INO, 1);
    }

    /** Sets st_ino of the {@code struct stat} behind jfuse's Stat (readdir's d_ino). */
    static void setStatIno(Object jfuseStat, long ino) {
        segmentOf(jfuseStat).set(ValueLayout.JAVA_LONG_UNALIGNED, STAT_INO, ino);
    }

    /** Sets the inode counts of the {@code struct statvfs} behind jfuse's Statvfs. */
    static void setStatvfsInodes(Object jfuseStatvfs, long files, long free) {
        MemorySegment s = segmentOf(jfuseStatvfs);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, STATVFS_FILES, files);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, STATVFS_FFREE, free);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, STATVFS_FAVAIL, free);
    }

    /** @return {uid, gid} of the process whose request is being served on this thread */
    static int[] caller() {
        try {
            MemorySegment ctx = ((MemorySegment) GET_CONTEXT.invokeExact()).reinterpret(CONTEXT_SIZE);
            if (ctx.equals(MemorySegment.NULL)) {
                return new int[] {0, 0};
            }
            return new int[] {ctx.get(ValueLayout.JAVA_INT, CONTEXT_UID),
                    ctx.get(ValueLayout.JAVA_INT, CONTEXT_GID)};
        } catch (Throwable t) {
            throw new IllegalStateException("fuse_get_context failed", t);
        }
    }

    /** Reads a private field of jfuse (its classes sit in the unnamed module on the class path). */
    static Object readField(Class<?> owner, String name, Object target) {
        try {
            Field f = owner.getDeclaredField(name);
            f.setAccessible(true);
            return f.get(target);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("jfuse " + owner.getSimpleName() + "." + name
                    + " not found: unsupported jfuse version", e);
        }
    }

    private static MemorySegment segmentOf(Object jfuseStruct) {
        try {
            return ((MemorySegment) SEGMENT_ACCESSOR.get(jfuseStruct.getClass()).invoke(jfuseStruct))
                    .reinterpret(144);
        } catch (Throwable t) {
            throw new IllegalStateException("jfuse struct without segment(): unsupported version", t);
        }
    }

    private static int linkUpcall(ExtraOperations ops, MemorySegment from, MemorySegment to) {
        try {
            return ops.link(string(from), string(to));
        } catch (Throwable t) {
            return -dev.pfs.core.Errno.EIO.code();
        }
    }

    private static int fallocateUpcall(ExtraOperations ops, MemorySegment path, int mode,
                                       long offset, long length, MemorySegment fileInfo) {
        try {
            long fh = fileInfo.equals(MemorySegment.NULL) ? -1
                    : fileInfo.reinterpret(FILE_INFO_FH + 8).get(ValueLayout.JAVA_LONG, FILE_INFO_FH);
            return ops.fallocate(string(path), mode, offset, length, fh);
        } catch (Throwable t) {
            return -dev.pfs.core.Errno.EIO.code();
        }
    }

    private static String string(MemorySegment cString) {
        return cString.equals(MemorySegment.NULL) ? null
                : cString.reinterpret(Long.MAX_VALUE).getString(0);
    }
}
