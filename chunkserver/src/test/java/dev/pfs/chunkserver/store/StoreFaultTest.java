package dev.pfs.chunkserver.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.common.volume.FaultyVolume;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Power loss under the WAL and the chunk store on simulated disks: writes, zeroes, creates and
 * checkpoints run with several requests in flight; at a seeded moment the power goes (torn and
 * dropped unsynced writes, a torn WAL frame or checkpoint); after recovery every acknowledged
 * write reads back and no sector holds data nobody wrote. Run one seed with
 * {@code -Dpfs.seed=N}.
 */
class StoreFaultTest {
    private static final long CHUNK_SIZE = 256 * 1024;
    private static final int CHUNKS = 3;
    private static final int SECTORS = (int) (CHUNK_SIZE / 512);

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void recoveryNeverLosesAnAcknowledgedWriteNorInventsData() throws Exception {
        String one = System.getProperty("pfs.seed");
        long first = one == null ? 1 : Long.parseLong(one);
        int count = one == null ? 250 : 1;
        for (long seed = first; seed < first + count; seed++) {
            try {
                runSeed(seed);
            } catch (Throwable t) {
                throw new AssertionError("seed " + seed + " failed (replay with -Dpfs.seed=" + seed + "): " + t, t);
            }
        }
    }

    private void runSeed(long seed) throws Exception {
        Random rnd = new Random(seed);
        // 40 data blocks for 12 chunk blocks' worth of chunks x reuse: discards must free space.
        FaultyVolume data = FaultyVolume.create(40L * ChunkStore.BLOCK_SIZE, seed * 3 + 1);
        FaultyVolume wal = FaultyVolume.create(300 * 1024 + 512L * rnd.nextInt(256), seed * 3 + 2);
        FaultyVolume meta = FaultyVolume.create(ChunkStore.metaVolumeSize(data.size(), 8), seed * 3 + 3);
        ChunkStore.Options options = new ChunkStore.Options(32 * 1024, 0.5, StoreObserver.NONE);
        ChunkStore.format(data, meta, 8);
        SectorModel model = new SectorModel();
        ChunkStore store = ChunkStore.open(data, wal, meta, options);
        for (long c = 1; c <= CHUNKS; c++) {
            store.create(c, CHUNK_SIZE).get();
        }
        for (int round = 0; round < 3; round++) {
            int mode = rnd.nextInt(4);
            if (mode == 1) {
                wal.powerLossAtWrite(1 + rnd.nextInt(40));
            } else if (mode == 2) {
                data.powerLossAtWrite(1 + rnd.nextInt(80));
            } else if (mode == 3) {
                meta.powerLossAtWrite(1 + rnd.nextInt(3));
            }
            int ops = 20 + rnd.nextInt(120);
            runLoad(store, model, rnd, ops, data, wal, meta);
            data.powerLoss();
            wal.powerLoss();
            meta.powerLoss();
            store.close();
            data = data.restart();
            wal = wal.restart();
            meta = meta.restart();
            store = ChunkStore.open(data, wal, meta, options);
            verify(store, model, true);
        }
        store.close();
    }

    private record InFlight(long chunk, int firstSector, int sectors, int id, CompletableFuture<Void> future) {
    }

    private void runLoad(ChunkStore store, SectorModel model, Random rnd, int ops,
                         FaultyVolume... volumes) throws Exception {
        List<InFlight> inflight = new ArrayList<>();
        int nextId = 1 + rnd.nextInt(1 << 20) * 64;
        for (int op = 0; op < ops; op++) {
            if (volumes[0].isDead() || volumes[1].isDead() || volumes[2].isDead()) {
                break;
            }
            long chunk = 1 + rnd.nextInt(CHUNKS);
            int sectors = rnd.nextInt(8) == 0 ? 128 + rnd.nextInt(128) : 1 + rnd.nextInt(24);
            int firstSector = rnd.nextInt(SECTORS - sectors + 1);
            if (rnd.nextBoolean()) {
                firstSector = firstSector / 128 * 128;
            }
            int f = firstSector;
            if (inflight.stream().anyMatch(i -> i.chunk == chunk && i.firstSector < f + sectors
                    && f < i.firstSector + i.sectors)) {
                drain(inflight, model);
            }
            int id = rnd.nextInt(5) == 0 ? 0 : nextId++;
            model.issued(chunk, firstSector, sectors, id);
            CompletableFuture<Void> future = id == 0
                    ? store.writeZeroes(chunk, 0, firstSector * 512L, sectors * 512L)
                    : store.write(chunk, 0, firstSector * 512L, SectorModel.pattern(chunk, firstSector, sectors, id));
            inflight.add(new InFlight(chunk, firstSector, sectors, id, future));
            if (inflight.size() >= 1 + rnd.nextInt(8)) {
                drain(inflight, model);
            }
        }
        drain(inflight, model);
    }

    private static void drain(List<InFlight> inflight, SectorModel model) {
        for (InFlight i : inflight) {
            try {
                i.future.get(30, TimeUnit.SECONDS);
                model.acked(i.chunk, i.firstSector, i.sectors, i.id);
            } catch (Exception e) {
                if (!(e.getCause() instanceof ChunkException cse)
                        || (cse.status() != ChunkStatus.IO_ERROR && cse.status() != ChunkStatus.NO_SPACE)) {
                    fail("unexpected failure of a write", e);
                }
            }
        }
        inflight.clear();
    }

    static void verify(ChunkStore store, SectorModel model, boolean settle) throws Exception {
        for (long c = 1; c <= CHUNKS; c++) {
            ByteBuffer b = ByteBuffer.allocateDirect((int) CHUNK_SIZE);
            store.read(c, 0, b).get();
            for (int s = 0; s < SECTORS; s++) {
                int found = SectorModel.decode(b, s * 512, c, s);
                assertThat(found).as("chunk %d sector %d holds data nobody wrote there", c, s).isNotEqualTo(-1);
                String bad = model.check(c, s, found);
                assertThat(bad).as("lost or invented write").isNull();
                if (settle) {
                    model.settle(c, s, found);
                }
            }
        }
    }
}
