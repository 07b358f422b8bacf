package dev.pfs.fuse.cli;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.pswitch.backend.BackendFactory;
import dev.pfs.pswitch.backend.Backends;
import dev.pfs.pswitch.client.SwitchVolume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code pfs mount} mounts, from its {@code <volume>} argument:
 * <ul>
 *   <li>{@code switch:SOCKET,NAME}: volume {@code NAME} of the PolarSwitch listening on
 *       {@code SOCKET} ({@link SwitchVolume});</li>
 *   <li>{@code SCHEME:TARGET} for a switch backend scheme ({@code replicated:PLACEMENT_FILE},
 *       {@code file:PATH}, ...): that backend opened in this process, no switch (the in-process
 *       mode);</li>
 *   <li>anything else: a volume file or block device ({@link FileVolume}).</li>
 * </ul>
 * Paths inside a spec are made absolute, so that a detached mount process opens the same thing.
 *
 * @param spec the argument with its paths made absolute
 * @param file the volume file, or null for a spec
 */
record MountTarget(String spec, Path file) {
    /** The scheme of a volume reached through a running switch. */
    static final String SWITCH = "switch";

    /** @throws IllegalArgumentException for a malformed {@code switch:} spec */
    static MountTarget parse(String arg) {
        int colon = arg.indexOf(':');
        String scheme = colon < 0 ? "" : arg.substring(0, colon);
        String target = colon < 0 ? "" : arg.substring(colon + 1);
        if (scheme.equals(SWITCH)) {
            int comma = target.lastIndexOf(',');
            if (comma <= 0 || comma == target.length() - 1) {
                throw new IllegalArgumentException("volume '" + arg + "' is not switch:SOCKET,NAME");
            }
            return new MountTarget(SWITCH + ":" + Path.of(target.substring(0, comma)).toAbsolutePath().normalize()
                    + target.substring(comma), null);
        }
        for (BackendFactory f : Backends.ALL) {
            if (f.scheme().equals(scheme)) {
                // Only file-like targets are made absolute; the others (host:port lists) stay as written.
                boolean pathTarget = !target.isEmpty() && (scheme.equals("file") || scheme.equals("replicated"));
                return new MountTarget(pathTarget ? scheme + ":" + Path.of(target).toAbsolutePath().normalize() : arg,
                        null);
            }
        }
        Path file = Path.of(arg).toAbsolutePath().normalize();
        return new MountTarget(file.toString(), file);
    }

    /** @return why this cannot be mounted before anything is opened, or null */
    String problem() {
        return file != null && !Files.exists(file) ? "volume " + file + " does not exist" : null;
    }

    /** Opens the volume (a volume file read-only when {@code readOnly}). */
    BlockVolume open(boolean readOnly) throws IOException {
        if (file != null) {
            return readOnly ? FileVolume.openReadOnly(file, true, FileVolume.CALLER_THREAD)
                    : FileVolume.open(file, true, FileVolume.CALLER_THREAD);
        }
        if (spec.startsWith(SWITCH + ":")) {
            String target = spec.substring(SWITCH.length() + 1);
            int comma = target.lastIndexOf(',');
            return SwitchVolume.connect(Path.of(target.substring(0, comma)), target.substring(comma + 1));
        }
        try {
            return Backends.open(spec);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return spec;
    }
}
