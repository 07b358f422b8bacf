package dev.pfs.common.config;

import java.util.Locale;

/**
 * Sizes as users write them on command lines: {@code 4G}, {@code 512M}, {@code 64k},
 * {@code 10GiB} or plain bytes. Units are binary (K = 1024); "B" and "iB" suffixes are accepted
 * and mean the same.
 */
public final class ByteSize {

    private ByteSize() {
    }

    /**
     * @return the size in bytes, positive
     * @throws IllegalArgumentException naming the bad text, e.g. {@code 'lots' is not a size}
     */
    public static long parse(String text) {
        String s = text.trim().toUpperCase(Locale.ROOT);
        if (s.endsWith("IB")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("B")) {
            s = s.substring(0, s.length() - 1);
        }
        int unit = s.isEmpty() ? -1 : "KMGT".indexOf(s.charAt(s.length() - 1));
        int shift = 10 * (unit + 1);
        if (unit >= 0) {
            s = s.substring(0, s.length() - 1);
        }
        long n;
        try {
            n = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a size (examples: 4G, 512M, 65536)");
        }
        if (n <= 0 || n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + text + "' is not a positive size that fits in 63 bits");
        }
        return n << shift;
    }

    /** @return {@code bytes} in the largest binary unit that keeps one decimal, e.g. "4.0 GiB" */
    public static String human(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
