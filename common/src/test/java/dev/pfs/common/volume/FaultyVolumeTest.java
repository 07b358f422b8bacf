package dev.pfs.common.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FaultyVolumeTest {
    private static ByteBuffer filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return ByteBuffer.wrap(b);
    }

    private static byte[] read(BlockVolume v, long offset, int length) throws VolumeException {
        ByteBuffer dst = ByteBuffer.allocate(length);
        VolumeException.await(v.read(offset, dst));
        return dst.array();
    }

    @Test
    void flushedWritesSurvivePowerLoss() throws Exception {
        FaultyVolume v = FaultyVolume.create(1 << 20, 1);
        VolumeException.await(v.write(4096, filled(8192, 7)));
        VolumeException.await(v.flush());
        v.powerLoss();
        FaultyVolume after = v.restart();
        assertThat(read(after, 4096, 8192)).containsOnly(7);
    }

    @Test
    void unflushedWritesAreKeptDroppedOrTornAtSectorGranularity() throws Exception {
        boolean sawTorn = false;
        for (long seed = 0; seed < 50 && !sawTorn; seed++) {
            FaultyVolume v = FaultyVolume.create(1 << 20, seed);
            VolumeException.await(v.write(0, filled(64 * 512, 9)));
            FaultyVolume after = v.restart();
            byte[] back = read(after, 0, 64 * 512);
            int kept = 0;
            for (int s = 0; s < 64; s++) {
                byte first = back[s * 512];
                for (int i = 0; i < 512; i++) {
                    assertThat(back[s * 512 + i]).as("sector %d is atomic", s).isEqualTo(first);
                }
                kept += first == 9 ? 1 : 0;
            }
            sawTorn = kept > 0 && kept < 64;
        }
        assertThat(sawTorn).as("some seed tears a multi-sector write").isTrue();
    }

    @Test
    void armedPowerLossFailsTheWriteInFlightAndEverythingAfter() throws Exception {
        FaultyVolume v = FaultyVolume.create(1 << 20, 3).powerLossAtWrite(2);
        VolumeException.await(v.write(0, filled(512, 1), 0, true));
        assertThatThrownBy(() -> VolumeException.await(v.write(512, filled(512, 2))))
                .isInstanceOf(VolumeException.class).hasMessageContaining("power lost");
        assertThatThrownBy(() -> VolumeException.await(v.read(0, ByteBuffer.allocate(512))))
                .isInstanceOf(VolumeException.class);
        assertThat(read(v.restart(), 0, 512)).containsOnly(1);
    }

    @Test
    void rejectsMisalignedAndOutOfRangeRequestsWithoutChangingAnything() throws Exception {
        FaultyVolume v = FaultyVolume.create(1 << 20, 4);
        assertThatThrownBy(() -> VolumeException.await(v.write(100, filled(512, 1))))
                .isInstanceOfSatisfying(VolumeException.class,
                        e -> assertThat(e.kind()).isEqualTo(VolumeException.Kind.MISALIGNED));
        assertThatThrownBy(() -> VolumeException.await(v.write((1 << 20) - 512, filled(1024, 1))))
                .isInstanceOfSatisfying(VolumeException.class,
                        e -> assertThat(e.kind()).isEqualTo(VolumeException.Kind.OUT_OF_RANGE));
        assertThat(v.writes()).isZero();
        assertThat(read(v, (1 << 20) - 512, 512)).containsOnly(0);
    }
}
