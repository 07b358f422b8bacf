package dev.pfs.pswitch.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.pswitch.ring.ChannelLayout;
import dev.pfs.pswitch.ring.RequestDescriptor;
import dev.pfs.pswitch.ring.RequestFlyweight;
import dev.pfs.pswitch.ring.SwitchOp;
import dev.pfs.pswitch.ring.SwitchStatus;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {
    private static final ChannelLayout LAYOUT = new ChannelLayout(65536, 65536, 1 << 20, 256 * 1024, 64);
    private final RequestFlyweight r = new RequestFlyweight().wrap(
            new UnsafeBuffer(ByteBuffer.allocateDirect(RequestDescriptor.LENGTH)), 0);

    private String violation() {
        return RequestValidator.violation(RequestDescriptor.MSG_TYPE_ID, RequestDescriptor.LENGTH, r, LAYOUT);
    }

    private RequestFlyweight write(long arenaOffset, long length) {
        return r.requestId(1).op(SwitchOp.WRITE).volumeOffset(0).arenaOffset(arenaOffset).length(length).flags(0);
    }

    @Test
    void acceptsAWriteThatEndsAtTheArenasEnd() {
        write((1 << 20) - 4096, 4096);
        assertThat(violation()).isNull();
    }

    @Test
    void aPayloadOutsideTheArenaIsAViolation() {
        write(1 << 20, 4096);
        assertThat(violation()).contains("outside the arena");
        write(-4096, 4096);
        assertThat(violation()).contains("outside the arena");
        write(Long.MAX_VALUE - 10, 4096);
        assertThat(violation()).contains("outside the arena");
    }

    @Test
    void aPayloadLongerThanTheChannelAllowsIsAViolation() {
        write(0, 512 * 1024);
        assertThat(violation()).contains("allows 0..262144");
        write(0, -512);
        assertThat(violation()).contains("allows");
    }

    @Test
    void unknownOpsFlagsTypesAndLengthsAreViolations() {
        write(0, 4096).op(99);
        assertThat(violation()).contains("unknown op 99");
        write(0, 4096).flags(2);
        assertThat(violation()).contains("unknown flags");
        write(0, 4096);
        assertThat(RequestValidator.violation(7, RequestDescriptor.LENGTH, r, LAYOUT)).contains("not a request");
        assertThat(RequestValidator.violation(RequestDescriptor.MSG_TYPE_ID, 40, r, LAYOUT)).contains("not a request");
    }

    @Test
    void opsWithoutPayloadIgnoreTheArenaFields() {
        r.op(SwitchOp.DISCARD).arenaOffset(-1).length(1L << 40).flags(0);
        assertThat(violation()).isNull();
    }

    @Test
    void rangeAndAlignmentAreRefusalsNotViolations() {
        write(0, 4096).volumeOffset(1 << 20);
        assertThat(RequestValidator.refusal(r, 1 << 20)).isEqualTo(SwitchStatus.OUT_OF_RANGE);
        write(0, 4096).volumeOffset(100);
        assertThat(RequestValidator.refusal(r, 1 << 20)).isEqualTo(SwitchStatus.MISALIGNED);
        write(0, 4096).volumeOffset(0);
        assertThat(RequestValidator.refusal(r, 1 << 20)).isEqualTo(SwitchStatus.OK);
    }
}
