package dev.pfs.cli.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class SizeConverterTest {
    @Test
    void convertsSizesAndReportsBadOnesAsUsageErrors() {
        assertThat(new SizeConverter().convert("10GiB")).isEqualTo(10L << 30);
        assertThatThrownBy(() -> new SizeConverter().convert("lots")).isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("'lots' is not a size");
    }
}
