package dev.pfs.cli.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class SizeConverterTest {
    @Test
    void parsesBinaryUnits() {
        assertThat(SizeConverter.parse("4G")).isEqualTo(4L << 30);
        assertThat(SizeConverter.parse("512m")).isEqualTo(512L << 20);
        assertThat(SizeConverter.parse("10GiB")).isEqualTo(10L << 30);
        assertThat(SizeConverter.parse("64KB")).isEqualTo(64L << 10);
        assertThat(SizeConverter.parse("1T")).isEqualTo(1L << 40);
        assertThat(SizeConverter.parse("65536")).isEqualTo(65536);
    }

    @Test
    void rejectsGarbageZeroAndOverflow() {
        for (String bad : new String[] {"", "G", "abc", "0", "-4G", "1.5G", "99999999999T"}) {
            assertThatThrownBy(() -> SizeConverter.parse(bad)).as(bad).isInstanceOf(TypeConversionException.class);
        }
    }

    @Test
    void printsHumanSizes() {
        assertThat(SizeConverter.human(4L << 30)).isEqualTo("4.0 GiB");
        assertThat(SizeConverter.human(100)).isEqualTo("100 B");
    }
}
