package dev.pfs.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.Extent;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark's volume file stands for a device: its data area is allocated before libpfs writes to it. */
@Timeout(60)
class LibpfsTargetTest {
    private static final long SIZE = 256L << 20;

    @TempDir
    Path dir;

    @Test
    void dataAreaOfTheVolumeFileHasNoHoles() throws Exception {
        Path image = dir.resolve("bench.img");
        new LibpfsTarget(image, SIZE).close();
        List<Extent> holes = new ArrayList<>();
        try (FileVolume v = FileVolume.openReadOnly(image, false, FileVolume.CALLER_THREAD)) {
            for (long at = 0; at < SIZE; ) {
                List<Extent> runs = VolumeException.await(v.allocation(at, SIZE - at));
                for (Extent e : runs) {
                    if (!e.data()) {
                        holes.add(e);
                    }
                }
                at = runs.getLast().end();
            }
        }
        // The first chunk's metadata areas and journal come first (mkfs punches them); blocks follow.
        assertThat(holes).as("holes of the volume file").allSatisfy(h -> assertThat(h.end()).isLessThanOrEqualTo(SIZE / 2));
    }
}
