package dev.pfs.pswitch.attach;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AttachDescriptorTest {
    @Test
    void requestRoundTrips() {
        byte[] p = AttachDescriptor.encodeRequest("vol-é");
        assertThat(AttachDescriptor.decodeRequest(p, p.length)).isEqualTo("vol-é");
    }

    @Test
    void replyRoundTrips() {
        byte[] p = AttachDescriptor.encodeReply(AttachDescriptor.PERMISSION_DENIED, 77, "uid 5 may not");
        AttachDescriptor.Reply r = AttachDescriptor.decodeReply(p, p.length);
        assertThat(r).isEqualTo(new AttachDescriptor.Reply(AttachDescriptor.PERMISSION_DENIED, 77, "uid 5 may not"));
    }

    @Test
    void refusesGarbageAnotherVersionAndALyingNameLength() {
        byte[] p = AttachDescriptor.encodeRequest("v");
        assertThatThrownBy(() -> AttachDescriptor.decodeRequest(new byte[12], 12)).hasMessageContaining("not an attach");
        byte[] version = p.clone();
        version[4] = 9;
        assertThatThrownBy(() -> AttachDescriptor.decodeRequest(version, version.length)).hasMessageContaining("version 9");
        byte[] lying = p.clone();
        lying[6] = 100;
        assertThatThrownBy(() -> AttachDescriptor.decodeRequest(lying, lying.length)).hasMessageContaining("name length 100");
        byte[] notUtf8 = p.clone();
        notUtf8[8] = (byte) 0xff;
        assertThatThrownBy(() -> AttachDescriptor.decodeRequest(notUtf8, notUtf8.length)).hasMessageContaining("UTF-8");
    }

    @Test
    void refusesANameTooLongToSend() {
        assertThatThrownBy(() -> AttachDescriptor.encodeRequest("x".repeat(256))).hasMessageContaining("1..255");
        assertThatThrownBy(() -> AttachDescriptor.encodeRequest("")).hasMessageContaining("1..255");
    }
}
