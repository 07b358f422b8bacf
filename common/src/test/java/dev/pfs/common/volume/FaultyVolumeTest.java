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

    @Test
    void fuaMakesDurableOnlyItsOwnWrite() throws Exception {
        for (long seed = 0; seed < 20; seed++) {
            FaultyVolume v = FaultyVolume.create(1 << 20, seed);
            VolumeException.await(v.write(0, filled(512, 1)));
            VolumeException.await(v.write(8192, filled(512, 2), 0, true));
            FaultyVolume after = v.restart();
            assertThat(read(after, 8192, 512)).containsOnly(2);
        }
        boolean sawLost = false;
        for (long seed = 0; seed < 20 && !sawLost; seed++) {
            FaultyVolume v = FaultyVolume.create(1 << 20, seed);
            VolumeException.await(v.write(0, filled(512, 1)));
            VolumeException.await(v.write(8192, filled(512, 2), 0, true));
            sawLost = read(v.restart(), 0, 512)[0] == 0;
        }
        assertThat(sawLost).as("a write before a FUA write may still be lost").isTrue();
    }

    @Test
    void anOlderCachedWriteNeverLandsOverALaterFuaWrite() throws Exception {
        for (long seed = 0; seed < 30; seed++) {
            FaultyVolume v = FaultyVolume.create(1 << 20, seed);
            VolumeException.await(v.write(0, filled(4096, 1)));
            VolumeException.await(v.write(1024, filled(512, 2), 0, true));
            assertThat(read(v.restart(), 1024, 512)).as("seed %d", seed).containsOnly(2);
        }
    }

    @Test
    void aFailedFlushMayDropWritesForGoodWhileReadsStillSeeThem() throws Exception {
        boolean sawDropped = false;
        for (long seed = 0; seed < 30 && !sawDropped; seed++) {
            FaultyVolume v = FaultyVolume.create(1 << 20, seed)
                    .fail(FaultRule.nth(FaultRule.Op.FLUSH, 1, VolumeException.Kind.IO));
            VolumeException.await(v.write(0, filled(4096, 5)));
            assertThatThrownBy(() -> VolumeException.await(v.flush())).isInstanceOf(VolumeException.class);
            assertThat(v.failedFlushes()).isEqualTo(1);
            assertThat(read(v, 0, 4096)).containsOnly(5);
            VolumeException.await(v.flush());
            sawDropped = read(v.restart(), 0, 4096)[0] == 0;
        }
        assertThat(sawDropped).as("some seed drops a write under a failed flush; the next flush does not save it")
                .isTrue();
    }

    @Test
    void aWriteFailingWithIoMayLandTornButOneFailingWithNoSpaceWritesNothing() throws Exception {
        boolean sawPartial = false;
        for (long seed = 0; seed < 30 && !sawPartial; seed++) {
            FaultyVolume v = FaultyVolume.create(1 << 20, seed)
                    .fail(FaultRule.range(FaultRule.Op.WRITE, 0, 1 << 20, VolumeException.Kind.IO));
            assertThatThrownBy(() -> VolumeException.await(v.write(0, filled(16 * 512, 3))))
                    .isInstanceOf(VolumeException.class);
            byte[] back = read(v, 0, 16 * 512);
            int landed = 0;
            for (int s = 0; s < 16; s++) {
                landed += back[s * 512] == 3 ? 1 : 0;
            }
            sawPartial = landed > 0 && landed < 16;
        }
        assertThat(sawPartial).isTrue();
        FaultyVolume v = FaultyVolume.create(1 << 20, 1).full(true);
        assertThatThrownBy(() -> VolumeException.await(v.write(0, filled(4096, 3))))
                .isInstanceOfSatisfying(VolumeException.class,
                        e -> assertThat(e.kind()).isEqualTo(VolumeException.Kind.NO_SPACE));
        assertThat(read(v, 0, 4096)).containsOnly(0);
    }

    @Test
    void rulesFailTheChosenCallOnly() throws Exception {
        FaultyVolume v = FaultyVolume.create(1 << 20, 2)
                .fail(FaultRule.nth(FaultRule.Op.FUA_WRITE, 2, VolumeException.Kind.NO_SPACE))
                .fail(FaultRule.range(FaultRule.Op.READ, 4096, 8192, VolumeException.Kind.IO));
        VolumeException.await(v.write(0, filled(512, 1), 0, true));
        VolumeException.await(v.write(512, filled(512, 1)));
        assertThatThrownBy(() -> VolumeException.await(v.write(1024, filled(512, 1), 0, true)))
                .isInstanceOfSatisfying(VolumeException.class,
                        e -> assertThat(e.kind()).isEqualTo(VolumeException.Kind.NO_SPACE));
        VolumeException.await(v.write(1024, filled(512, 1), 0, true));
        assertThat(read(v, 0, 4096)).startsWith(1);
        assertThatThrownBy(() -> read(v, 4096, 512)).isInstanceOf(VolumeException.class);
        assertThat(v.injectedFaults()).isEqualTo(2);
        v.clearRules();
        assertThat(read(v, 4096, 512)).containsOnly(0);
    }
}
