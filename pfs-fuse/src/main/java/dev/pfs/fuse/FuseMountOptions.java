package dev.pfs.fuse;

import dev.pfs.fuse.kernel.FuseSession;
import java.util.Set;

/**
 * The options of a pfs FUSE mount, validated once, and the libfuse arguments they become.
 *
 * <p>{@code -o} accepts only options whose meaning pfs keeps: anything else is refused with a
 * message rather than silently passed to libfuse (a typo must not change a database's
 * durability). The kernel checks permissions ({@code default_permissions}) on every mount.
 *
 * @param readOnly       mount RO (follows the RW mount's changes)
 * @param allowOther     let users other than the mounting one in (needed for a database user)
 * @param attrTimeout    seconds the kernel caches attributes
 * @param entryTimeout   seconds the kernel caches name lookups
 * @param maxThreads     FUSE worker threads (each blocks in read(2) on /dev/fuse when idle)
 * @param fsName         the source shown in /proc/mounts
 */
public record FuseMountOptions(boolean readOnly, boolean allowOther, double attrTimeout,
                               double entryTimeout, int maxThreads, String fsName) {
    /** Options a user may give with {@code -o}. */
    public static final Set<String> KNOWN = Set.of("ro", "rw", "allow_other", "attr_timeout",
            "entry_timeout", "max_threads");
    private static final double DEFAULT_TIMEOUT = 1.0;
    private static final int DEFAULT_THREADS = 16;

    /** Validates the values. */
    public FuseMountOptions {
        if (attrTimeout < 0 || attrTimeout > 3600) {
            throw new IllegalArgumentException("attr_timeout=" + attrTimeout + " out of range 0..3600");
        }
        if (entryTimeout < 0 || entryTimeout > 3600) {
            throw new IllegalArgumentException("entry_timeout=" + entryTimeout + " out of range 0..3600");
        }
        if (maxThreads < 1 || maxThreads > 1024) {
            throw new IllegalArgumentException("max_threads=" + maxThreads + " out of range 1..1024");
        }
    }

    /** @return the defaults: RW, only the mounting user, 1 s caches */
    public static FuseMountOptions defaults(String fsName) {
        return new FuseMountOptions(false, false, DEFAULT_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_THREADS, fsName);
    }

    /**
     * Applies a comma-separated {@code -o} list to these options.
     *
     * @throws IllegalArgumentException naming the first unknown or malformed option
     */
    public FuseMountOptions withOptions(String list) {
        FuseMountOptions o = this;
        if (list == null || list.isBlank()) {
            return o;
        }
        for (String raw : list.split(",")) {
            String opt = raw.strip();
            if (opt.isEmpty()) {
                continue;
            }
            int eq = opt.indexOf('=');
            String key = eq < 0 ? opt : opt.substring(0, eq);
            String value = eq < 0 ? null : opt.substring(eq + 1);
            if (!KNOWN.contains(key)) {
                throw new IllegalArgumentException("unknown mount option '" + opt + "' (known: "
                        + String.join(", ", KNOWN.stream().sorted().toList()) + ")");
            }
            o = switch (key) {
                case "ro" -> flag(key, value, o.withReadOnly(true));
                case "rw" -> flag(key, value, o.withReadOnly(false));
                case "allow_other" -> flag(key, value,
                        new FuseMountOptions(o.readOnly, true, o.attrTimeout, o.entryTimeout, o.maxThreads, o.fsName));
                case "attr_timeout" -> new FuseMountOptions(o.readOnly, o.allowOther,
                        number(key, value), o.entryTimeout, o.maxThreads, o.fsName);
                case "entry_timeout" -> new FuseMountOptions(o.readOnly, o.allowOther,
                        o.attrTimeout, number(key, value), o.maxThreads, o.fsName);
                case "max_threads" -> new FuseMountOptions(o.readOnly, o.allowOther,
                        o.attrTimeout, o.entryTimeout, (int) number(key, value), o.fsName);
                default -> throw new IllegalStateException(key);
            };
        }
        return o;
    }

    /** @return a copy with {@code readOnly} set */
    public FuseMountOptions withReadOnly(boolean ro) {
        return new FuseMountOptions(ro, allowOther, attrTimeout, entryTimeout, maxThreads, fsName);
    }

    /** @return a copy with {@code allowOther} set */
    public FuseMountOptions withAllowOther(boolean allow) {
        return new FuseMountOptions(readOnly, allow, attrTimeout, entryTimeout, maxThreads, fsName);
    }

    /** @return what the FUSE session needs of these options */
    public FuseSession.Options sessionOptions() {
        return new FuseSession.Options(fsName, readOnly, allowOther, maxThreads);
    }

    private static FuseMountOptions flag(String key, String value, FuseMountOptions result) {
        if (value != null) {
            throw new IllegalArgumentException("mount option '" + key + "' takes no value");
        }
        return result;
    }

    private static double number(String key, String value) {
        if (value == null) {
            throw new IllegalArgumentException("mount option '" + key + "' needs a value, e.g. " + key + "=1");
        }
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("mount option '" + key + "=" + value + "': not a number");
        }
    }
}
