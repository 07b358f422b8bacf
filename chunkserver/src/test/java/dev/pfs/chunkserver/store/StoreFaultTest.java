package dev.pfs.chunkserver.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.wal.ReorderingVolume;
import dev.pfs.common.volume.FaultRule;
import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.common.volume.VolumeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The crash test of the store over common's honest fault model ({@link FaultyVolume}: a FUA
 * write makes only itself durable, a failed flush may drop what it covered for good, a failed
 * write may land torn). Mixed writes, write-zeroes, discards, deletes and creates run at
 * several writer epochs (stale ones are refused and change nothing) with several requests in
 * flight; at a seeded moment the power goes, or a WAL write, a data flush or a checkpoint fails
 * first; some recoveries are cut by a second power loss inside replay or the recovery
 * checkpoint. The WAL sits behind a {@link ReorderingVolume}: with several frames in flight
 * (1 to 6, seeded) they reach the disk in any order, so a power cut can leave a durable frame
 * after one that never arrived, and some rounds end in a power cut with requests still in
 * flight. Some writes are in-place ({@link ChunkStore#writeInPlace}, replication's): they count as
 * acknowledged only once a checkpoint asked for after them completes. Writes of whole blocks are
 * redirected (data FUA to fresh blocks, then a REMAP logged), and some data FUA writes fail. After each recovery every
 * acknowledged change reads back and no sector holds data nobody wrote there. Run one seed with
 * {@code -Dpfs.seed=N}.
 */
class StoreFaultTest {
    private static final long CHUNK_SIZE = 256 * 1024;
    private static final int CHUNKS = 3;
    private static final int SECTORS = (int) (CHUNK_SIZE / 512);
    private static final int SEEDS = 300;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void recoveryNeverLosesAnAcknowledgedChangeNorInventsData() throws Exception {
        String one = System.getProperty("pfs.seed");
        long first = one == null ? 1 : Long.parseLong(one);
        int count = one == null ? SEEDS : 1;
        for (long seed = first; seed < first + count; seed++) {
            try {
                runSeed(seed);
            } catch (Throwable t) {
                throw new AssertionError("seed " + seed + " failed (replay with -Dpfs.seed=" + seed + "): " + t, t);
            }
        }
        if (one == null) {
            System.out.printf("StoreFaultTest: %d WAL frames overtook an earlier one, %d power cuts left a hole, "
                    + "%d writes went in place, %d were redirected%n", overtaken, holes, inPlace, redirected);
            assertThat(overtaken).as("WAL frames reached the disk out of order").isPositive();
            assertThat(holes).as("power cuts left a durable frame after a lost one").isPositive();
            assertThat(inPlace).as("writes went in place, unlogged").isPositive();
            assertThat(redirected).as("writes were redirected to fresh blocks").isPositive();
        }
    }

    /** Over all seeds: WAL frames that landed before an earlier one, and holes power cuts left in the log. */
    private static int overtaken;
    private static int holes;
    /** Over all seeds: writes the stores took in place, unlogged. */
    private static long inPlace;
    /** Over all seeds: writes the stores redirected to fresh blocks. */
    private static long redirected;

    /** The three volumes of one store, restarted together after a power cut. */
    private static final class Disks {
        FaultyVolume data;
        FaultyVolume wal;
        FaultyVolume meta;
        /** The WAL as the store sees it: frames in flight land in any order. */
        ReorderingVolume walInFlight;
        long seed;

        boolean anyDead() {
            return data.isDead() || wal.isDead() || meta.isDead();
        }

        /**
         * The power goes: frames in flight are lost (with {@code hole}, after the newest of them
         * landed if two or more were in flight), unflushed writes kept, dropped or torn.
         */
        void cut(boolean hole) throws InterruptedException {
            if (hole) {
                walInFlight.dropWithHole(20);
            }
            walInFlight.drop();
            data.powerLoss();
            wal.powerLoss();
            meta.powerLoss();
        }

        void powerCut() throws InterruptedException {
            cut(false);
            data = data.restart();
            wal = wal.restart();
            meta = meta.restart();
            reorder();
        }

        void reorder() {
            if (walInFlight != null) {
                overtaken += walInFlight.overtaken();
                holes += walInFlight.holes();
            }
            walInFlight = new ReorderingVolume(wal, seed++).autoLand();
        }
    }

    /** Writes of whole blocks are redirected: fresh blocks written FUA, then a REMAP logged. */
    private static final ChunkStore.Options BASE = new ChunkStore.Options(32 * 1024, 0.5, StoreObserver.NONE)
            .withWriteAhead(8L * ChunkStore.BLOCK_SIZE).withRedirectMin(ChunkStore.BLOCK_SIZE);

    private void runSeed(long seed) throws Exception {
        Random rnd = new Random(seed);
        Disks d = new Disks();
        // 40 data blocks for 12 chunk blocks' worth of chunks x reuse: discards must free space.
        d.data = FaultyVolume.create(40L * ChunkStore.BLOCK_SIZE, seed * 3 + 1);
        d.wal = FaultyVolume.create(300 * 1024 + 512L * rnd.nextInt(256), seed * 3 + 2);
        d.meta = FaultyVolume.create(ChunkStore.metaVolumeSize(d.data.size(), 8), seed * 3 + 3);
        d.seed = seed * 1000;
        d.reorder();
        ChunkStore.Options options = BASE.withWalInFlight(1 + rnd.nextInt(6));
        ChunkStore.format(d.data, d.meta, 8);
        SectorModel model = new SectorModel();
        // Its own stream, so the in-place choices leave the rest of each seed's schedule as it was.
        Load load = new Load(rnd, new Random(seed * 31 + 7), model);
        ChunkStore store = ChunkStore.open(d.data, d.walInFlight, d.meta, options);
        for (long c = 1; c <= CHUNKS; c++) {
            store.create(c, CHUNK_SIZE).get();
        }
        for (int round = 0; round < 3; round++) {
            switch (rnd.nextInt(7)) {
                case 1 -> d.wal.powerLossAtWrite(1 + rnd.nextInt(40));
                case 2 -> d.data.powerLossAtWrite(1 + rnd.nextInt(80));
                case 3 -> d.meta.powerLossAtWrite(1 + rnd.nextInt(3));
                case 4 -> d.data.fail(FaultRule.nth(FaultRule.Op.FLUSH, 1 + rnd.nextInt(3), VolumeException.Kind.IO));
                case 5 -> d.wal.fail(FaultRule.nth(FaultRule.Op.FUA_WRITE, 1 + rnd.nextInt(30), VolumeException.Kind.IO));
                case 6 -> d.data.fail(FaultRule.nth(FaultRule.Op.FUA_WRITE, 1 + rnd.nextInt(6), VolumeException.Kind.IO));
                default -> { }
            }
            load.run(store, 20 + rnd.nextInt(120), d, rnd.nextInt(3) == 0);
            inPlace += store.inPlaceWrites();
            redirected += store.redirectedWrites();
            store.close();
            d.powerCut();
            store = recover(d, rnd, options);
            load.verify(store);
        }
        store.close();
        d.walInFlight.stopAutoLand();
    }

    /** Opens the store, first letting a seeded power cut hit the recovery itself now and then. */
    private static ChunkStore recover(Disks d, Random rnd, ChunkStore.Options options) throws Exception {
        if (rnd.nextInt(3) == 0) {
            switch (rnd.nextInt(3)) {
                case 0 -> d.data.powerLossAtWrite(1 + rnd.nextInt(20));
                case 1 -> d.meta.powerLossAtWrite(1);
                default -> d.wal.powerLossAtWrite(1);
            }
            try {
                ChunkStore cut = ChunkStore.open(d.data, d.walInFlight, d.meta, options);
                cut.close();
            } catch (IOException expected) {
                // The power went during replay or the recovery checkpoint.
            }
            d.powerCut();
        }
        return ChunkStore.open(d.data, d.walInFlight, d.meta, options);
    }

    /** Changes issued without waiting right before a power cut in flight. */
    private static final int BURST = 12;

    /** A change in flight; {@code inPlace}: an in-place write, acknowledged only by a later checkpoint. */
    private record InFlight(long chunk, int firstSector, int sectors, int id, boolean inPlace,
                            CompletableFuture<Void> future) {
    }

    /** Issues a seeded mix of changes and checks what recovery gives back against the model. */
    private static final class Load {
        private final Random rnd;
        /** Chooses in-place writes and the checkpoints that acknowledge them. */
        private final Random inPlaceRnd;
        /** Whether a whole-block write comes with its blocks' CRCs, as the server hands them over. */
        private final Random crcRnd;
        private final SectorModel model;
        private final List<InFlight> inflight = new ArrayList<>();
        /** In-place writes on the data volume that no checkpoint asked for after them has covered yet. */
        private final List<InFlight> unsynced = new ArrayList<>();
        private final boolean[] mayBeGone = new boolean[CHUNKS + 1];
        private int nextId;
        /** The epoch changes are issued with. */
        private long epoch;
        /** The highest epoch the store acknowledged a change or a fence at. */
        private long fenced;

        Load(Random rnd, Random inPlaceRnd, SectorModel model) {
            this.rnd = rnd;
            this.inPlaceRnd = inPlaceRnd;
            this.model = model;
            this.nextId = 1 + rnd.nextInt(1 << 20) * 64;
            this.crcRnd = new Random(nextId);
        }

        private static int[] blockCrcs(ByteBuffer data) {
            int[] crcs = new int[data.remaining() / ChunkStore.BLOCK_SIZE];
            CRC32C crc = new CRC32C();
            for (int i = 0; i < crcs.length; i++) {
                crc.reset();
                crc.update(data.slice(data.position() + i * ChunkStore.BLOCK_SIZE, ChunkStore.BLOCK_SIZE));
                crcs[i] = (int) crc.getValue();
            }
            return crcs;
        }

        /** @param cutMidway whether the power goes at a seeded op, with requests in flight */
        void run(ChunkStore store, int ops, Disks d, boolean cutMidway) throws Exception {
            unsynced.clear();
            int cutAt = cutMidway ? rnd.nextInt(ops) : -1;
            ops = cutMidway ? Math.max(ops, cutAt + BURST + 1) : ops;
            if (rnd.nextBoolean()) {
                epoch++;
                if (ok(store.fence(1, epoch))) {
                    fenced = epoch;
                }
            }
            for (int op = 0; op < ops && !d.anyDead(); op++) {
                // Before a cut, a burst of changes stays in flight so that several frames are.
                boolean burst = cutAt >= 0 && op >= cutAt;
                if (burst && op == cutAt + BURST) {
                    d.cut(true);
                    break;
                }
                long chunk = 1 + rnd.nextInt(CHUNKS);
                int kind = rnd.nextInt(40);
                if (kind == 0) {
                    recreate(store, chunk);
                    continue;
                }
                if (kind == 1 && fenced > 0) {
                    ByteBuffer stale = SectorModel.pattern(chunk, 0, 1, nextId++);
                    assertRefused(inPlaceRnd.nextBoolean() ? store.writeInPlace(chunk, fenced - 1, 0, stale)
                            : store.write(chunk, fenced - 1, 0, stale));
                    continue;
                }
                if (!burst && inPlaceRnd.nextInt(12) == 0) {
                    checkpoint(store);
                }
                int shape = rnd.nextInt(8);
                boolean wholeBlocks = shape == 1;
                int sectors = shape == 0 ? 128 + rnd.nextInt(128) : wholeBlocks ? 128 * (1 + rnd.nextInt(2))
                        : 1 + rnd.nextInt(24);
                int firstSector = rnd.nextInt(SECTORS - sectors + 1);
                if (wholeBlocks || rnd.nextBoolean()) {
                    firstSector = firstSector / 128 * 128;
                }
                int f = firstSector;
                if (inflight.stream().anyMatch(i -> i.chunk == chunk && i.firstSector < f + sectors
                        && f < i.firstSector + i.sectors)) {
                    drain();
                }
                int id = kind < 8 ? 0 : nextId++;
                boolean unlogged = id != 0 && inPlaceRnd.nextInt(3) == 0;
                model.issued(chunk, firstSector, sectors, id);
                CompletableFuture<Void> future;
                if (unlogged) {
                    future = store.writeInPlace(chunk, epoch, firstSector * 512L,
                            SectorModel.pattern(chunk, firstSector, sectors, id));
                } else if (id != 0) {
                    ByteBuffer data = SectorModel.pattern(chunk, firstSector, sectors, id);
                    future = store.write(chunk, epoch, firstSector * 512L, data,
                            sectors % 128 == 0 && crcRnd.nextBoolean() ? blockCrcs(data) : null);
                } else {
                    future = store.writeZeroes(chunk, epoch, firstSector * 512L, sectors * 512L);
                }
                inflight.add(new InFlight(chunk, firstSector, sectors, id, unlogged, future));
                if (!burst && inflight.size() >= 1 + rnd.nextInt(8)) {
                    drain();
                }
            }
            drain();
        }

        /** Deletes a chunk and creates it again: it reads as zeros; after a crash in between it may be gone. */
        private void recreate(ChunkStore store, long chunk) throws Exception {
            drain();
            model.issued(chunk, 0, SECTORS, 0);
            mayBeGone[(int) chunk] = true;
            if (!ok(store.delete(chunk, epoch))) {
                return;
            }
            if (ok(store.create(chunk, epoch, CHUNK_SIZE))) {
                model.acked(chunk, 0, SECTORS, 0);
                mayBeGone[(int) chunk] = false;
            }
        }

        private boolean ok(CompletableFuture<Void> f) throws Exception {
            try {
                f.get(30, TimeUnit.SECONDS);
                return true;
            } catch (ExecutionException e) {
                expectFailure(e);
                return false;
            }
        }

        private static void assertRefused(CompletableFuture<Void> f) throws Exception {
            try {
                f.get(30, TimeUnit.SECONDS);
                fail("a write from an older epoch was accepted");
            } catch (ExecutionException e) {
                ChunkStatus s = ((ChunkException) e.getCause()).status();
                assertThat(s).isIn(ChunkStatus.STALE_EPOCH, ChunkStatus.IO_ERROR);
            }
        }

        private static void expectFailure(ExecutionException e) {
            if (!(e.getCause() instanceof ChunkException cse)
                    || (cse.status() != ChunkStatus.IO_ERROR && cse.status() != ChunkStatus.NO_SPACE)) {
                fail("unexpected failure of a change", e);
            }
        }

        /** Asks for a checkpoint: once it completes, the in-place writes done before it are acknowledged. */
        private void checkpoint(ChunkStore store) throws Exception {
            drain();
            List<InFlight> covered = List.copyOf(unsynced);
            unsynced.clear();
            if (ok(store.checkpoint())) {
                for (InFlight i : covered) {
                    model.acked(i.chunk, i.firstSector, i.sectors, i.id);
                }
            }
        }

        private void drain() throws Exception {
            for (InFlight i : inflight) {
                try {
                    i.future.get(30, TimeUnit.SECONDS);
                    if (i.inPlace) {
                        unsynced.add(i);
                        continue;
                    }
                    model.acked(i.chunk, i.firstSector, i.sectors, i.id);
                    fenced = Math.max(fenced, epoch);
                } catch (ExecutionException e) {
                    expectFailure(e);
                }
            }
            inflight.clear();
        }

        void verify(ChunkStore store) throws Exception {
            for (long c = 1; c <= CHUNKS; c++) {
                if (mayBeGone[(int) c] && !exists(store, c)) {
                    // Deleted, and the power went before the create: it must have read as zeros.
                    for (int s = 0; s < SECTORS; s++) {
                        assertThat(model.check(c, s, 0)).as("a deleted chunk lost acknowledged data").isNull();
                    }
                    store.create(c, epoch, CHUNK_SIZE).get();
                }
                mayBeGone[(int) c] = false;
                ByteBuffer b = ByteBuffer.allocateDirect((int) CHUNK_SIZE);
                store.read(c, 0, b).get();
                for (int s = 0; s < SECTORS; s++) {
                    int found = SectorModel.decode(b, s * 512, c, s);
                    assertThat(found).as("chunk %d sector %d holds data nobody wrote there", c, s).isNotEqualTo(-1);
                    String bad = model.check(c, s, found);
                    assertThat(bad).as("lost or invented write").isNull();
                    model.settle(c, s, found);
                }
            }
            assertThat(store.stat(1).get().epoch()).as("the volume's epoch survives").isGreaterThanOrEqualTo(fenced);
        }

        private static boolean exists(ChunkStore store, long chunk) throws Exception {
            try {
                store.stat(chunk).get();
                return true;
            } catch (ExecutionException e) {
                assertThat(((ChunkException) e.getCause()).status()).isEqualTo(ChunkStatus.UNKNOWN_CHUNK);
                return false;
            }
        }
    }
}
