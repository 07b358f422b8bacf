package dev.pfs.chunkserver.protocol;

/**
 * Joins CRC32Cs of adjacent byte ranges into the CRC32C of the whole, without reading the bytes
 * again: the server checks a write frame's CRC from the CRCs of its payload's 64 KB blocks, which
 * a redirected write's REMAP record needs anyway, so the payload is read once, not twice.
 *
 * <p>The arithmetic is that of CRCs as polynomials over GF(2) in the bit-reflected form
 * {@link java.util.zip.CRC32C} uses: appending {@code n} bytes B to A multiplies A's remainder
 * by x<sup>8n</sup> modulo the CRC polynomial and adds B's (the pre- and post-inversion of the
 * standard CRC cancel out in that sum).
 */
public final class Crc32c {
    /** The Castagnoli polynomial, bit-reflected. */
    private static final int POLYNOMIAL = 0x82F63B78;
    /** The reflected representation of the polynomial 1 (x<sup>0</sup>). */
    private static final int ONE = 0x80000000;
    /** {@code POWERS[k]} is x<sup>2<sup>k</sup></sup> modulo the polynomial; x<sup>8n</sup> is a product of them. */
    private static final int[] POWERS = new int[64];

    static {
        int p = ONE >>> 1; // x^1
        for (int k = 0; k < POWERS.length; k++) {
            POWERS[k] = p;
            p = multiply(p, p);
        }
    }

    private Crc32c() {
    }

    /**
     * @param crcA    the CRC32C of the first range
     * @param crcB    the CRC32C of the range right after it
     * @param lengthB the second range's length in bytes
     * @return the CRC32C of the two ranges together
     */
    public static int combine(int crcA, int crcB, long lengthB) {
        if (lengthB < 0) {
            throw new IllegalArgumentException("negative length " + lengthB);
        }
        return multiply(crcA, xPower(lengthB << 3)) ^ crcB;
    }

    /** @return x<sup>bits</sup> modulo the polynomial */
    private static int xPower(long bits) {
        int result = ONE;
        for (int k = 0; bits != 0; k++, bits >>>= 1) {
            if ((bits & 1) != 0) {
                result = multiply(result, POWERS[k]);
            }
        }
        return result;
    }

    /** @return a times b modulo the polynomial, both reflected (the top bit is x<sup>0</sup>) */
    private static int multiply(int a, int b) {
        int product = 0;
        for (int bit = 0; bit < 32; bit++) {
            if ((a & (ONE >>> bit)) != 0) {
                product ^= b;
            }
            // b times x: a shift toward the low end, reduced when x^31's coefficient falls out.
            b = (b & 1) != 0 ? (b >>> 1) ^ POLYNOMIAL : b >>> 1;
        }
        return product;
    }
}
