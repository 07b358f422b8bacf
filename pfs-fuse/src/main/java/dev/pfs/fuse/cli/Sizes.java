package dev.pfs.fuse.cli;

/** Parses sizes such as 512M, 4G, 1T (binary units) or plain bytes. */
final class Sizes {
    private Sizes() {
    }

    static long parse(String s) {
        String t = s.strip().toUpperCase(java.util.Locale.ROOT);
        if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        int shift = 0;
        if (!t.isEmpty()) {
            shift = switch (t.charAt(t.length() - 1)) {
                case 'K' -> 10;
                case 'M' -> 20;
                case 'G' -> 30;
                case 'T' -> 40;
                default -> 0;
            };
        }
        String digits = shift == 0 ? t : t.substring(0, t.length() - 1);
        try {
            long v = Long.parseLong(digits);
            if (v <= 0 || v > (Long.MAX_VALUE >> shift)) {
                throw new IllegalArgumentException("size '" + s + "' out of range");
            }
            return v << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size '" + s + "' is not a size like 512M or 4G");
        }
    }
}
