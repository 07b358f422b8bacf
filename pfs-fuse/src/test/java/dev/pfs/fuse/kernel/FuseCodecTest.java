package dev.pfs.fuse.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FuseCodecTest {
    private final FuseFrames frames = new FuseFrames();

    @Test
    void decodesTheHeaderAndANameOfALookup() {
        FuseRequest r = frames.start(FuseOpcode.LOOKUP, 7, 1000, 1001).putString("name", true).request();
        assertThat(r.opcode()).isEqualTo(FuseOpcode.LOOKUP);
        assertThat(r.nodeId()).isEqualTo(7);
        assertThat(r.uid()).isEqualTo(1000);
        assertThat(r.gid()).isEqualTo(1001);
        assertThat(r.bodyString(0)).isEqualTo("name");
        assertThat(r.afterString(0)).isEqualTo(5);
    }

    @Test
    void rejectsShortAndInconsistentRequests() {
        assertThat(FuseFrames.check(12, 12)).contains("shorter than fuse_in_header");
        assertThat(FuseFrames.check(64, 80)).contains("len 80 but read returned 64");
        assertThat(FuseFrames.check(48, 48)).isNull();
    }

    @Test
    void anUnterminatedNameOrAShortWriteBodyIsRefusedAndTheNextRequestDecodes() {
        FuseRequest bad = frames.start(FuseOpcode.LOOKUP, 1, 0, 0).putString("nonul", false).request();
        assertThatThrownBy(() -> bad.bodyString(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unterminated");
        FuseRequest shortWrite = frames.start(FuseOpcode.WRITE, 1, 0, 0).putLong(1).putLong(0).request();
        assertThatThrownBy(() -> shortWrite.bodyBytes(FuseRequestDescriptor.WRITE_DATA, 4096))
                .isInstanceOf(IllegalArgumentException.class);
        FuseRequest good = frames.start(FuseOpcode.LOOKUP, 1, 0, 0).putString("ok", true).request();
        assertThat(good.bodyString(0)).isEqualTo("ok");
    }

    @Test
    void anErrorReplyIsAHeaderWithTheNegativeErrnoAndOnlyOneReplyGoesOut() {
        frames.start(FuseOpcode.GETATTR, 1, 0, 0).request();
        frames.reply().error(2);
        assertThat(frames.sent()).hasSize(1);
        assertThat(frames.sent().get(0)).hasSize(FuseReplyDescriptor.BODY);
        assertThat(frames.error(0)).isEqualTo(-2);
        assertThatThrownBy(() -> frames.reply().send(0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void initRefusesAnotherMajorAndTooOldAMinor() {
        assertThat(FuseInitDescriptor.check(8, 0)).contains("major version 7");
        assertThat(FuseInitDescriptor.check(7, 26)).contains("older than 7.28");
        assertThat(FuseInitDescriptor.check(7, 45)).isNull();
    }
}
