package dev.pfs.chunkserver.cli;

import java.util.Locale;

/** Parses sizes such as {@code 512}, {@code 64K}, {@code 10G} (binary units). */
final class Sizes {
    private Sizes() {
    }

    /**
     * @return the size in bytes
     * @throws IllegalArgumentException naming the bad text
     */
    static long parse(String option, String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        long unit = 1;
        if (!t.isEmpty() && "KMGT".indexOf(t.charAt(t.length() - 1)) >= 0) {
            unit = 1L << (10 * ("KMGT".indexOf(t.charAt(t.length() - 1)) + 1));
            t = t.substring(0, t.length() - 1);
        }
        try {
            long n = Long.parseLong(t);
            if (n <= 0 || n > Long.MAX_VALUE / unit) {
                throw new NumberFormatException();
            }
            return n * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + text
                    + "' is not a size (a positive number with an optional K, M, G or T)");
        }
    }
}
