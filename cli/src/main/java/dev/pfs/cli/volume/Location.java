package dev.pfs.cli.volume;

import dev.pfs.cli.CliException;
import dev.pfs.cli.Failures;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Where a command-line argument points: a file on the host, or a path inside a pfs volume.
 *
 * <p>Syntax: an argument is a volume path when it contains an unescaped ':' followed by '/'
 * or ending the argument: {@code VOLUME:/PATH} (the first such ':' splits it), and
 * {@code VOLUME:} means the root. Everything else is a host path, so {@code ./a:b} or
 * {@code notes:txt} stay host paths as written. A '\:' stands for a literal ':' that never
 * splits, for host paths (and volume files) whose names hold ":/": {@code './a\:/b'}.
 */
public sealed interface Location permits Location.Host, Location.InVolume {

    /** @return the argument as the user meant it (escapes removed), for messages */
    String display();

    /**
     * Parses one argument.
     *
     * @throws CliException {@code USAGE} for an empty volume name, a ".." component, a NUL
     */
    static Location parse(String arg) throws CliException {
        int split = splitAt(arg);
        if (split < 0) {
            String host = unescape(arg);
            if (host.isEmpty()) {
                throw Failures.usage("empty path");
            }
            try {
                return new Host(Path.of(host), host);
            } catch (InvalidPathException e) {
                throw Failures.usage("bad host path '" + host + "': " + e.getReason());
            }
        }
        String volume = unescape(arg.substring(0, split));
        if (volume.isEmpty()) {
            throw Failures.usage("bad volume path '" + arg + "': no volume file before ':' (write VOLUME:/PATH)");
        }
        String path = VolumePaths.normalize(unescape(arg.substring(split + 1)), arg);
        try {
            return new InVolume(Path.of(volume), path);
        } catch (InvalidPathException e) {
            throw Failures.usage("bad volume file '" + volume + "': " + e.getReason());
        }
    }

    /**
     * Parses an argument that must be a volume path.
     *
     * @throws CliException {@code USAGE} when it is a host path
     */
    static InVolume parseVolumePath(String arg) throws CliException {
        if (parse(arg) instanceof InVolume v) {
            return v;
        }
        throw Failures.usage("'" + arg + "' is not a volume path: write VOLUME:/PATH, e.g. v.img:/dir");
    }

    private static int splitAt(String arg) {
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            if (c == '\\' && i + 1 < arg.length() && arg.charAt(i + 1) == ':') {
                i++;
            } else if (c == ':' && (i + 1 == arg.length() || arg.charAt(i + 1) == '/')) {
                return i;
            }
        }
        return -1;
    }

    private static String unescape(String s) {
        return s.replace("\\:", ":");
    }

    /**
     * A file or directory on the host.
     *
     * @param path    the host path
     * @param display as written
     */
    record Host(Path path, String display) implements Location {
    }

    /**
     * A path inside a volume.
     *
     * @param volume the volume file (or block device)
     * @param path   absolute, normalized path inside the volume
     */
    record InVolume(Path volume, String path) implements Location {
        @Override
        public String display() {
            return volume + ":" + path;
        }

        /** @return the location of {@code name} inside this directory */
        public InVolume child(String name) {
            return new InVolume(volume, VolumePaths.join(path, name));
        }

        /** @return the last component, "" for the root */
        public String name() {
            return VolumePaths.name(path);
        }
    }
}
