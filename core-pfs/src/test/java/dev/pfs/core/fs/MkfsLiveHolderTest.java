package dev.pfs.core.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.core.Errno;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Defect 9 of issue 11: mkfs (also {@code pfs mkfs --force}) never formats a volume a live RW mount holds. */
@Timeout(60)
class MkfsLiveHolderTest {
    @Test
    void mkfsRefusesAVolumeWhoseLeaderRecordShowsALiveHolder() throws Exception {
        FaultyVolume v = FaultyVolume.create(64L << 20, 1);
        MkfsOptions opts = new MkfsOptions(16L << 20, 4);
        Pfs.mkfs(v, opts);
        try (Pfs rw = Pfs.mount(v, new MountOptions(true, 2, Duration.ofMillis(300), Duration.ofMillis(20)))) {
            rw.mkdir("/data", 0755);
            assertThatThrownBy(() -> Pfs.mkfs(v, opts)).isInstanceOfSatisfying(PfsException.class, e -> {
                assertThat(e.errno()).isEqualTo(Errno.EBUSY);
                assertThat(e.getMessage()).contains("host 2");
            });
            assertThat(rw.stat("/data").nlink()).isEqualTo(2);
        }
        Pfs.mkfs(v, opts);
    }

    @Test
    void mkfsFormatsAVolumeWhoseHolderDiedOnceItsLeaseRanOut() throws Exception {
        FaultyVolume v = FaultyVolume.create(64L << 20, 2);
        MkfsOptions opts = new MkfsOptions(16L << 20, 4);
        Pfs.mkfs(v, opts);
        SteppedClock clock = new SteppedClock();
        FileSystems.mount(v, new MountOptions(true, 1, Duration.ofMillis(100), Duration.ofMillis(20)),
                new FileSystems.MountHooks(clock, false, clock::freeze));
        FaultyVolume crashed = v.restart();
        Pfs.mkfs(crashed, opts);
        try (Pfs fresh = Pfs.mount(crashed, MountOptions.readWrite(0))) {
            assertThat(fresh.readdir("/")).isEmpty();
        }
    }
}
