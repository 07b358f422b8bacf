package dev.pfs.pswitch.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class FlyweightTest {
    @Test
    void requestFieldsRoundTripAtAnOffsetWithoutTouchingTheirNeighbours() {
        UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
        b.setMemory(0, 128, (byte) 0x5a);
        RequestFlyweight r = new RequestFlyweight().wrap(b, 16);
        r.requestId(-7).volumeOffset(1L << 40).length(4096).arenaOffset(8192).epoch(99).op(SwitchOp.WRITE)
                .flags(RequestDescriptor.FLAG_FUA);
        RequestFlyweight again = new RequestFlyweight().wrap(b, 16);
        assertThat(again.requestId()).isEqualTo(-7);
        assertThat(again.volumeOffset()).isEqualTo(1L << 40);
        assertThat(again.length()).isEqualTo(4096);
        assertThat(again.arenaOffset()).isEqualTo(8192);
        assertThat(again.epoch()).isEqualTo(99);
        assertThat(again.op()).isEqualTo(SwitchOp.WRITE);
        assertThat(again.fua()).isTrue();
        assertThat(b.getByte(15)).isEqualTo((byte) 0x5a);
        assertThat(b.getByte(16 + RequestDescriptor.LENGTH)).isEqualTo((byte) 0x5a);
    }

    @Test
    void responseFieldsRoundTrip() {
        UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        new ResponseFlyweight().wrap(b, 8).requestId(5).value(1 << 20).status(SwitchStatus.STALE_EPOCH);
        ResponseFlyweight r = new ResponseFlyweight().wrap(b, 8);
        assertThat(r.requestId()).isEqualTo(5);
        assertThat(r.value()).isEqualTo(1 << 20);
        assertThat(r.status()).isEqualTo(SwitchStatus.STALE_EPOCH);
        assertThat(b.getLong(8 + ResponseDescriptor.LENGTH)).isZero();
    }

    @Test
    void everyVolumeErrorKindSurvivesTheWire() {
        for (var kind : dev.pfs.common.volume.VolumeException.Kind.values()) {
            assertThat(SwitchStatus.kind(SwitchStatus.of(kind))).isEqualTo(kind);
            assertThat(SwitchStatus.of(kind)).isNotEqualTo(SwitchStatus.OK);
        }
    }

    @Test
    void recordLengthsIncludeTheRingHeaderAndAlignment() {
        assertThat(RequestDescriptor.RECORD_LENGTH).isEqualTo(56);
        assertThat(ResponseDescriptor.RECORD_LENGTH).isEqualTo(32);
    }
}
