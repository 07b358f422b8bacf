package dev.pfs.core.fs;

import static dev.pfs.core.OpenFlags.O_CREAT;
import static dev.pfs.core.OpenFlags.O_RDONLY;
import static dev.pfs.core.OpenFlags.O_WRONLY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.layout.ChunkDescriptor;
import dev.pfs.core.layout.MetaType;
import dev.pfs.core.lease.Leases;
import dev.pfs.core.meta.MetaStore;
import dev.pfs.core.meta.Txn;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A checkpoint writes in place the sector that holds each changed metaobject, also when a
 * chunk's slots of a kind do not fill whole sectors: with 4 MB chunks a chunk has 64 block tags
 * and a tag sector holds 128, so the tags of chunk 1 are the first slots of chunk 1's own tag
 * sector, not slots 64-127 of chunk 0's. Dirty sectors were once keyed by {@code id / 128 * 128}
 * across chunks, so a checkpoint wrote chunk 0's tag sector instead and moved the journal anchor
 * past the only record of chunk 1's tags: after a remount every block of chunks 1 and 3 read as
 * zeros ({@code ReplicatedPfsCrashTest} seed 6555741776505, a fsynced file that landed in chunk 1).
 */
@Timeout(60)
class CheckpointSectorsTest {
    private static final int BLOCK = 64 << 10;

    @Test
    void fileDataInEveryChunkSurvivesUmountAndRemount() throws Exception {
        FaultyVolume v = FaultyVolume.create(16L << 20, 3);
        Pfs.mkfs(v, new MkfsOptions(4L << 20, 4));
        byte[] data = new byte[9 << 20];
        new Random(3).nextBytes(data);
        try (Pfs fs = Pfs.mount(v, MountOptions.readWrite(0))) {
            long fd = fs.open("/f", O_CREAT | O_WRONLY, 0644);
            fs.write(fd, ByteBuffer.wrap(data));
            fs.fsync(fd);
            fs.close(fd);
        }
        try (Pfs fs = Pfs.mount(v, MountOptions.readWrite(0))) {
            long fd = fs.open("/f", O_RDONLY, 0);
            ByteBuffer got = ByteBuffer.allocate(data.length);
            fs.pread(fd, got, 0);
            fs.close(fd);
            List<Integer> wrong = new ArrayList<>();
            for (int b = 0; b < data.length / BLOCK; b++) {
                if (!Arrays.equals(got.array(), b * BLOCK, (b + 1) * BLOCK, data, b * BLOCK, (b + 1) * BLOCK)) {
                    wrong.add(b);
                }
            }
            assertThat(wrong).as("64 KB blocks of a 9 MB file (chunks 0-2 of 4 MB) wrong after a remount").isEmpty();
        }
        assertThat(Pfs.fsck(v, false).problems()).isEmpty();
    }

    @Test
    void everySlotIsMarkedDirtyInTheSectorThatHoldsIt() throws Exception {
        for (long chunk : new long[] {2L << 20, 4L << 20, 8L << 20, 12L << 20}) {
            ChunkDescriptor g = new ChunkDescriptor(Formatter.plan(64L << 20, new MkfsOptions(chunk, 4),
                    Leases.regionSize(4)));
            MetaStore store = new MetaStore(g);
            for (MetaType t : MetaType.values()) {
                for (long id = 0; id < store.slots(t); id++) {
                    Txn txn = store.begin();
                    txn.touch(t, id);
                    Txn.Key k = store.takeDirtySectors().iterator().next();
                    int per = g.perChunk(t);
                    assertThat(k.id() / per).as("chunk of the sector key of %s %d (chunk size %d)", t, id, chunk)
                            .isEqualTo(id / per);
                    assertThat(g.sectorOffset(t, k.id())).as("sector of %s %d (chunk size %d)", t, id, chunk)
                            .isEqualTo(g.sectorOffset(t, id));
                }
            }
        }
    }
}
