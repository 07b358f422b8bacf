package dev.pfs.pswitch.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class ChannelDescriptorTest {
    private final ChannelLayout layout = ChannelLayout.DEFAULT;

    private UnsafeBuffer header() {
        UnsafeBuffer h = new UnsafeBuffer(ByteBuffer.allocateDirect(ChannelDescriptor.HEADER_LENGTH));
        ChannelDescriptor.writeHeader(h, layout, 42, 1 << 30);
        return h;
    }

    @Test
    void regionsArePageAlignedInOrderAndDoNotOverlap() {
        assertThat(layout.requestRingOffset()).isEqualTo(ChannelDescriptor.HEADER_LENGTH);
        assertThat(layout.responseRingOffset() % ChannelLayout.PAGE).isZero();
        assertThat(layout.arenaOffset() % ChannelLayout.PAGE).isZero();
        assertThat(layout.responseRingOffset()).isGreaterThanOrEqualTo(layout.requestRingOffset() + layout.requestRingLength());
        assertThat(layout.arenaOffset()).isGreaterThanOrEqualTo(layout.responseRingOffset() + layout.responseRingLength());
        assertThat(layout.totalLength()).isEqualTo(layout.arenaOffset() + layout.arenaLength());
    }

    @Test
    void readsBackTheLayoutItWrote() throws Exception {
        assertThat(ChannelDescriptor.checkHeader(header(), layout.totalLength())).isEqualTo(layout);
    }

    @Test
    void refusesAForeignMagic() {
        UnsafeBuffer h = header();
        h.putLong(ChannelDescriptor.MAGIC_OFFSET, 0x1234);
        assertThatThrownBy(() -> ChannelDescriptor.checkHeader(h, layout.totalLength()))
                .isInstanceOf(ChannelException.class).hasMessageContaining("not a switch channel");
    }

    @Test
    void refusesAnotherVersion() {
        UnsafeBuffer h = header();
        h.putInt(ChannelDescriptor.VERSION_OFFSET, 9);
        assertThatThrownBy(() -> ChannelDescriptor.checkHeader(h, layout.totalLength()))
                .isInstanceOf(ChannelException.class).hasMessageContaining("version 9");
    }

    @Test
    void refusesARingThatIsNotAPowerOfTwo() {
        UnsafeBuffer h = header();
        h.putLong(ChannelDescriptor.REQUEST_RING_LENGTH_OFFSET, 5000 + 768);
        assertThatThrownBy(() -> ChannelDescriptor.checkHeader(h, layout.totalLength()))
                .isInstanceOf(ChannelException.class).hasMessageContaining("power of two");
    }

    @Test
    void refusesAnArenaOffsetThatLies() {
        UnsafeBuffer h = header();
        h.putLong(ChannelDescriptor.ARENA_OFFSET_OFFSET, 4096);
        assertThatThrownBy(() -> ChannelDescriptor.checkHeader(h, layout.totalLength()))
                .isInstanceOf(ChannelException.class).hasMessageContaining("arena offset 4096");
    }

    @Test
    void refusesAHeaderThatDescribesMoreThanTheChannelHolds() {
        assertThatThrownBy(() -> ChannelDescriptor.checkHeader(header(), layout.totalLength() - ChannelLayout.PAGE))
                .isInstanceOf(ChannelException.class).hasMessageContaining("describes");
    }

    @Test
    void layoutRefusesSizesThatCannotWork() {
        assertThatThrownBy(() -> new ChannelLayout(5000, 65536, 1 << 20, 4096, 1))
                .hasMessageContaining("request ring capacity 5000");
        assertThatThrownBy(() -> new ChannelLayout(65536, 65536, 1 << 20, 2 << 20, 1))
                .hasMessageContaining("max I/O length");
        assertThatThrownBy(() -> new ChannelLayout(65536, 4096, 1 << 20, 4096, 1000))
                .hasMessageContaining("max in flight 1000");
    }
}
