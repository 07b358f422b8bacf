package dev.pfs.cli.volume;

import dev.pfs.cli.CliException;
import dev.pfs.cli.Failures;
import java.util.ArrayList;
import java.util.List;

/** String operations on absolute '/'-separated paths inside a volume. */
public final class VolumePaths {
    private VolumePaths() {
    }

    /**
     * Makes a path absolute and canonical: no empty or "." components, no trailing '/'.
     * libpfs refuses ".." (a volume path has no working directory to resolve it against).
     *
     * @param path the part after "VOLUME:"
     * @param arg  the whole argument, for the message
     * @throws CliException {@code USAGE} for a ".." component or a NUL byte
     */
    public static String normalize(String path, String arg) throws CliException {
        if (path.indexOf('\0') >= 0) {
            throw Failures.usage("bad volume path '" + arg + "': contains a NUL byte");
        }
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw Failures.usage("bad volume path '" + arg + "': '..' is not allowed, write the absolute path");
            }
            parts.add(part);
        }
        return "/" + String.join("/", parts);
    }

    /** @return {@code dir/name} */
    public static String join(String dir, String name) {
        return dir.equals("/") ? "/" + name : dir + "/" + name;
    }

    /** @return the last component, "" for the root */
    public static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** @return the parent directory ("/" for a child of the root and for the root) */
    public static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    /** @return whether {@code path} is {@code ancestor} or lies below it */
    public static boolean isWithin(String path, String ancestor) {
        return path.equals(ancestor) || ancestor.equals("/") || path.startsWith(ancestor + "/");
    }
}
