package dev.pfs.cli.volume;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses sizes such as {@code 4G}, {@code 512M}, {@code 64k}, {@code 10GiB} or plain bytes.
 * Units are binary (K = 1024); "B", "iB" suffixes are accepted and mean the same.
 */
public final class SizeConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        return parse(value);
    }

    /**
     * @return the size in bytes
     * @throws TypeConversionException naming the bad value
     */
    public static long parse(String value) {
        String s = value.trim().toUpperCase(Locale.ROOT);
        if (s.endsWith("IB")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("B")) {
            s = s.substring(0, s.length() - 1);
        }
        int shift = 0;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'K' -> shift = 10;
                case 'M' -> shift = 20;
                case 'G' -> shift = 30;
                case 'T' -> shift = 40;
                default -> shift = -1;
            }
            if (shift >= 0) {
                s = s.substring(0, s.length() - 1);
            } else {
                shift = 0;
            }
        }
        try {
            long n = Long.parseLong(s);
            if (n <= 0 || n > (Long.MAX_VALUE >> shift)) {
                throw new TypeConversionException("'" + value + "' is not a positive size");
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a size (examples: 4G, 512M, 65536)");
        }
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
