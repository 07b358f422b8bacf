package dev.pfs.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteSizeTest {
    @Test
    void parsesBinaryUnits() {
        assertThat(ByteSize.parse("4G")).isEqualTo(4L << 30);
        assertThat(ByteSize.parse("512m")).isEqualTo(512L << 20);
        assertThat(ByteSize.parse("10GiB")).isEqualTo(10L << 30);
        assertThat(ByteSize.parse("64KB")).isEqualTo(64L << 10);
        assertThat(ByteSize.parse("1T")).isEqualTo(1L << 40);
        assertThat(ByteSize.parse(" 65536 ")).isEqualTo(65536);
    }

    @Test
    void rejectsGarbageZeroAndOverflowNamingTheText() {
        for (String bad : new String[] {"", "G", "abc", "0", "-4G", "1.5G", "99999999999T"}) {
            assertThatThrownBy(() -> ByteSize.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
    }

    @Test
    void printsHumanSizes() {
        assertThat(ByteSize.human(4L << 30)).isEqualTo("4.0 GiB");
        assertThat(ByteSize.human(100)).isEqualTo("100 B");
    }
}
