package dev.pfs.cli.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LocationTest {
    @Test
    void colonSlashMakesAVolumePath() throws CliException {
        assertThat(Location.parse("v.img:/src/a.c")).isEqualTo(new Location.InVolume(Path.of("v.img"), "/src/a.c"));
        assertThat(Location.parse("/var/tmp/v.img:/")).isEqualTo(new Location.InVolume(Path.of("/var/tmp/v.img"), "/"));
    }

    @Test
    void trailingColonMeansTheRoot() throws CliException {
        assertThat(Location.parse("v.img:")).isEqualTo(new Location.InVolume(Path.of("v.img"), "/"));
    }

    @Test
    void colonWithoutSlashStaysAHostPath() throws CliException {
        assertThat(Location.parse("./a:b")).isEqualTo(new Location.Host(Path.of("./a:b"), "./a:b"));
        assertThat(Location.parse("plain/dir")).isInstanceOf(Location.Host.class);
    }

    @Test
    void escapedColonNeverSplits() throws CliException {
        assertThat(Location.parse("./a\\:/b")).isEqualTo(new Location.Host(Path.of("./a:/b"), "./a:/b"));
        assertThat(Location.parse("odd\\:/name.img:/x"))
                .isEqualTo(new Location.InVolume(Path.of("odd:/name.img"), "/x"));
    }

    @Test
    void volumePathsAreNormalized() throws CliException {
        assertThat(Location.parse("v.img://a/./b//")).isEqualTo(new Location.InVolume(Path.of("v.img"), "/a/b"));
    }

    @Test
    void rejectsDotDotNulAndMissingVolumeName() {
        for (String bad : new String[] {"v.img:/a/../b", "v.img:/a\0b", ":/x", ""}) {
            assertThatThrownBy(() -> Location.parse(bad)).as(bad)
                    .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.status()).isEqualTo(ExitStatus.USAGE));
        }
    }

    @Test
    void parseVolumePathRejectsHostPaths() {
        assertThatThrownBy(() -> Location.parseVolumePath("v.img"))
                .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.status()).isEqualTo(ExitStatus.USAGE))
                .hasMessageContaining("VOLUME:/PATH");
    }

    @Test
    void childAndNameFollowThePath() throws CliException {
        Location.InVolume root = Location.parseVolumePath("v.img:/");
        assertThat(root.name()).isEmpty();
        assertThat(root.child("a").child("b").path()).isEqualTo("/a/b");
        assertThat(root.child("a").child("b").name()).isEqualTo("b");
        assertThat(VolumePaths.parent("/a/b")).isEqualTo("/a");
        assertThat(VolumePaths.isWithin("/a/b", "/a")).isTrue();
        assertThat(VolumePaths.isWithin("/ab", "/a")).isFalse();
    }
}
