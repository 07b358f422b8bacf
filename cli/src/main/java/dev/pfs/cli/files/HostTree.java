package dev.pfs.cli.files;

import dev.pfs.cli.CliException;
import dev.pfs.cli.Failures;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** The host's file system as a {@link FileTree}. */
final class HostTree implements FileTree {
    private static final PosixFilePermission[] BITS = {
        PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE,
        PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
        PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE};

    @Override
    public String display(String path) {
        return path;
    }

    @Override
    public String child(String dir, String name) {
        return Path.of(dir).resolve(name).toString();
    }

    @Override
    public String name(String path) {
        Path name = Path.of(path).getFileName();
        return name == null ? "" : name.toString();
    }

    @Override
    public Entry lstat(String path) throws CliException {
        try {
            PosixFileAttributes a = Files.readAttributes(Path.of(path), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            Kind kind = a.isSymbolicLink() ? Kind.SYMLINK : a.isDirectory() ? Kind.DIRECTORY
                    : a.isRegularFile() ? Kind.FILE : Kind.OTHER;
            return new Entry(kind, bits(a.permissions()), a.size());
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw Failures.host(path, e);
        }
    }

    @Override
    public List<String> list(String dir) throws CliException {
        try (Stream<Path> s = Files.list(Path.of(dir))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw Failures.host(dir, e);
        }
    }

    @Override
    public void mkdir(String dir, int permissions) throws CliException {
        try {
            Files.createDirectory(Path.of(dir), PosixFilePermissions.asFileAttribute(perms(permissions)));
        } catch (IOException e) {
            throw Failures.host(dir, e);
        }
    }

    @Override
    public String readlink(String path) throws CliException {
        try {
            return Files.readSymbolicLink(Path.of(path)).toString();
        } catch (IOException e) {
            throw Failures.host(path, e);
        }
    }

    @Override
    public void symlink(String target, String path) throws CliException {
        try {
            Files.createSymbolicLink(Path.of(path), Path.of(target));
        } catch (IOException e) {
            throw Failures.host(path, e);
        }
    }

    @Override
    public void unlink(String path) throws CliException {
        try {
            Files.delete(Path.of(path));
        } catch (IOException e) {
            throw Failures.host(path, e);
        }
    }

    @Override
    public ReadableByteChannel openRead(String path) throws CliException {
        try {
            return FileChannel.open(Path.of(path), StandardOpenOption.READ);
        } catch (IOException e) {
            throw Failures.host(path, e);
        }
    }

    @Override
    public WritableByteChannel create(String path, int permissions) throws CliException {
        try {
            return FileChannel.open(Path.of(path), Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING), PosixFilePermissions.asFileAttribute(perms(permissions)));
        } catch (IOException e) {
            throw Failures.host(path, e);
        }
    }

    @Override
    public boolean sameAs(FileTree other) {
        return other instanceof HostTree;
    }

    @Override
    public boolean isWithin(String inner, String outer) throws CliException {
        Path in = Path.of(inner).toAbsolutePath().normalize();
        Path out = Path.of(outer).toAbsolutePath().normalize();
        return in.startsWith(out);
    }

    private static int bits(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (int i = 0; i < BITS.length; i++) {
            if (perms.contains(BITS[i])) {
                mode |= 0400 >> i;
            }
        }
        return mode;
    }

    private static Set<PosixFilePermission> perms(int mode) {
        Set<PosixFilePermission> set = java.util.EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < BITS.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                set.add(BITS[i]);
            }
        }
        return set;
    }
}
