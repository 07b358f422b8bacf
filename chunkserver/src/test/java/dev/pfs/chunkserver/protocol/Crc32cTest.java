package dev.pfs.chunkserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** Combined CRCs equal the CRC of the concatenation, for any split, as java.util.zip computes it. */
class Crc32cTest {
    private static int crc(byte[] b, int from, int to) {
        CRC32C c = new CRC32C();
        c.update(b, from, to - from);
        return (int) c.getValue();
    }

    @Test
    void combiningTwoRangesGivesTheCrcOfBoth() {
        Random random = new Random(7);
        byte[] bytes = new byte[(1 << 20) + 64];
        random.nextBytes(bytes);
        int[] splits = {0, 1, 3, 60, 64, 4096, 65536, 65600, 1 << 20, bytes.length};
        for (int split : splits) {
            assertThat(Crc32c.combine(crc(bytes, 0, split), crc(bytes, split, bytes.length), bytes.length - split))
                    .as("split at %d", split).isEqualTo(crc(bytes, 0, bytes.length));
        }
        for (int i = 0; i < 200; i++) {
            int to = random.nextInt(8192);
            int split = random.nextInt(to + 1);
            assertThat(Crc32c.combine(crc(bytes, 0, split), crc(bytes, split, to), to - split))
                    .as("%d of %d", split, to).isEqualTo(crc(bytes, 0, to));
        }
    }

    @Test
    void blocksFoldIntoTheWhole() {
        byte[] bytes = new byte[16 * 65536];
        new Random(9).nextBytes(bytes);
        int whole = crc(bytes, 0, 0);
        for (int at = 0; at < bytes.length; at += 65536) {
            whole = Crc32c.combine(whole, crc(bytes, at, at + 65536), 65536);
        }
        assertThat(whole).isEqualTo(crc(bytes, 0, bytes.length));
    }

    @Test
    void aNegativeLengthIsRefused() {
        assertThatThrownBy(() -> Crc32c.combine(1, 2, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
