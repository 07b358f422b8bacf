package dev.pfs.pswitch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.nativeio.UnixSocket;
import org.junit.jupiter.api.Test;

class VolumeExportTest {
    private final VolumeExport export = new VolumeExport("v", null, 1000);

    @Test
    void theOwnerAndRootMayAttachNobodyElse() {
        assertThat(export.allows(new UnixSocket.PeerCredentials(1, 1000, 1000))).isTrue();
        assertThat(export.allows(new UnixSocket.PeerCredentials(1, 0, 0))).isTrue();
        assertThat(export.allows(new UnixSocket.PeerCredentials(1, 1001, 1000))).isFalse();
    }

    @Test
    void parsesVolumeOptions() {
        assertThat(SwitchConfig.Volume.parse("a=file:/x,owner=7", 0))
                .isEqualTo(new SwitchConfig.Volume("a", "file:/x", 7));
        assertThat(SwitchConfig.Volume.parse("a=file:/x", 3)).isEqualTo(new SwitchConfig.Volume("a", "file:/x", 3));
        assertThatThrownBy(() -> SwitchConfig.Volume.parse("a", 0)).hasMessageContaining("NAME=BACKEND");
        assertThatThrownBy(() -> SwitchConfig.Volume.parse("a=file:/x,owner=me", 0)).hasMessageContaining("not a uid");
    }
}
