package dev.pfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.common.volume.FileVolume;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A full volume through the mount: ENOSPC reaches the program, and it recovers once space is freed. */
@Tag("system")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FullVolumeSystemTest {
    @TempDir
    Path tmp;

    @Test
    void enospcReachesTheWriterAndWritesWorkAgainAfterAnUnlink() throws Exception {
        Path image = tmp.resolve("small.img");
        try (FileVolume v = FileVolume.create(image, 128L << 20)) {
            Pfs.mkfs(v, new MkfsOptions(64L << 20, 4));
        }
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        try (FileVolume v = FileVolume.open(image); Pfs pfs = Pfs.mount(v, MountOptions.readWrite(0));
             PfsFuseMount mount = PfsFuseMount.mount(pfs, mnt, FuseMountOptions.defaults("small"))) {
            Path filler = mnt.resolve("filler");
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
            try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                assertThatThrownBy(() -> {
                    for (int i = 0; i < 1024; i++) {
                        ch.write(chunk.clear());
                    }
                }).isInstanceOf(IOException.class).hasMessageContaining("No space left on device");
                ch.force(true);
            }
            long filled = Files.size(filler);
            assertThat(filled).isGreaterThan(32L << 20);
            Files.delete(filler);

            Path after = mnt.resolve("after");
            try (FileChannel ch = FileChannel.open(after, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                for (int i = 0; i < 8; i++) {
                    ch.write(chunk.clear());
                }
                ch.force(true);
            }
            assertThat(Files.size(after)).isEqualTo(8L << 20);
        }
    }
}
