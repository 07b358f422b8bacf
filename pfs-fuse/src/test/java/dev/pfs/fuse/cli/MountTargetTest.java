package dev.pfs.fuse.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What {@code pfs mount}'s volume argument names, and that detached children get absolute paths. */
class MountTargetTest {
    private static final Path CWD = Path.of("").toAbsolutePath();

    @Test
    void aPlainArgumentIsAVolumeFile() {
        MountTarget t = MountTarget.parse("v.img");
        assertThat(t.file()).isEqualTo(CWD.resolve("v.img"));
        assertThat(t.spec()).isEqualTo(CWD.resolve("v.img").toString());
        assertThat(t.problem()).contains("does not exist");
    }

    @Test
    void aSwitchVolumeGetsAnAbsoluteSocket() {
        MountTarget t = MountTarget.parse("switch:run/s.sock,vol1");
        assertThat(t.file()).isNull();
        assertThat(t.spec()).isEqualTo("switch:" + CWD.resolve("run/s.sock") + ",vol1");
        assertThat(t.problem()).isNull();
    }

    @Test
    void aSwitchVolumeWithoutANameIsRefused() {
        assertThatThrownBy(() -> MountTarget.parse("switch:/run/s.sock")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("switch:SOCKET,NAME");
        assertThatThrownBy(() -> MountTarget.parse("switch:/run/s.sock,")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void backendSpecsAreOpenedInProcessWithAbsolutePaths() {
        assertThat(MountTarget.parse("replicated:v.placement").spec()).isEqualTo("replicated:" + CWD.resolve("v.placement"));
        assertThat(MountTarget.parse("chunkserver:127.0.0.1:7100,1M,4").spec()).isEqualTo("chunkserver:127.0.0.1:7100,1M,4");
        assertThat(MountTarget.parse("replicated:v.placement").file()).isNull();
    }
}
