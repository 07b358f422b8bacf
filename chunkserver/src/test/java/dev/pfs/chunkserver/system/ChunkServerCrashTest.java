package dev.pfs.chunkserver.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.client.ChunkClient;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.protocol.ChunkException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a real chunkserver process under a FUA write load, 20 times: after each restart
 * every acknowledged write reads back exactly, and no 4 KB slot holds anything but its last
 * acknowledged write or a write issued after it. Seed with {@code -Dpfs.seed=N}.
 */
@Tag("system")
class ChunkServerCrashTest {
    private static final long CHUNK = 4L << 20;
    private static final int CHUNKS = 2;
    private static final int SLOT = 4096;
    private static final int SLOTS = (int) (CHUNK / SLOT);

    @TempDir
    Path dir;

    /** Issue history per slot: values in issue order, and the index of the last acknowledged one. */
    private final Map<Long, List<Long>> history = new HashMap<>();
    private final Map<Long, Integer> acked = new HashMap<>();

    private static long key(long chunk, int slot) {
        return chunk * SLOTS + slot;
    }

    @Test
    @Timeout(value = 170, unit = TimeUnit.SECONDS)
    void everyAcknowledgedWriteSurvivesKillNine() throws Exception {
        long seed = Long.getLong("pfs.seed", System.nanoTime() % 100000);
        System.out.println("ChunkServerCrashTest seed " + seed + " (replay with -Dpfs.seed=" + seed + ")");
        Random rnd = new Random(seed);
        Path data = dir.resolve("cs");
        String[] options = {"--capacity", "64M", "--wal-size", "8M", "--chunk-size", String.valueOf(CHUNK)};
        long totalAcked = 0;
        for (int round = 0; round < 20; round++) {
            try (ChunkServerProcess cs = ChunkServerProcess.start(data, options);
                 ChunkClient client = ChunkClient.connect(cs.address())) {
                if (round == 0) {
                    for (long c = 1; c <= CHUNKS; c++) {
                        client.create(c, 0).get();
                    }
                } else {
                    verify(client, seed, round);
                }
                totalAcked += load(client, cs, rnd, round);
            }
        }
        try (ChunkServerProcess cs = ChunkServerProcess.start(data, options);
             ChunkClient client = ChunkClient.connect(cs.address())) {
            verify(client, seed, 20);
            assertThat(cs.terminate()).as("exit code after SIGTERM").isIn(0, 143);
        }
        assertThat(totalAcked).as("acknowledged writes over all rounds").isGreaterThan(100);
    }

    private record InFlight(long chunk, int slot, long value, CompletableFuture<Void> future) {
    }

    /** Writes until the kill; returns how many writes were acknowledged. */
    private long load(ChunkClient client, ChunkServerProcess cs, Random rnd, int round) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(150 + rnd.nextInt(600));
        List<InFlight> inflight = new ArrayList<>();
        long ackedCount = 0;
        long next = ((long) round << 40) + 1;
        boolean killed = false;
        while (!killed) {
            long chunk = 1 + rnd.nextInt(CHUNKS);
            int slot = rnd.nextInt(SLOTS);
            if (inflight.stream().noneMatch(i -> i.chunk == chunk && i.slot == slot)) {
                long value = next++;
                history.computeIfAbsent(key(chunk, slot), k -> new ArrayList<>(List.of(0L))).add(value);
                inflight.add(new InFlight(chunk, slot, value, client.write(chunk, 0, (long) slot * SLOT,
                        pattern(chunk, slot, value), true)));
            }
            if (inflight.size() >= 16 || System.nanoTime() > deadline) {
                if (System.nanoTime() > deadline) {
                    cs.kill();
                    killed = true;
                }
                for (InFlight i : inflight) {
                    try {
                        i.future.get(30, TimeUnit.SECONDS);
                        List<Long> h = history.get(key(i.chunk, i.slot));
                        acked.merge(key(i.chunk, i.slot), h.lastIndexOf(i.value), Math::max);
                        ackedCount++;
                    } catch (ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(ChunkException.class);
                        assertThat(((ChunkException) e.getCause()).status()).isEqualTo(ChunkStatus.IO_ERROR);
                    }
                }
                inflight.clear();
            }
        }
        return ackedCount;
    }

    private void verify(ChunkClient client, long seed, int round) throws Exception {
        for (long c = 1; c <= CHUNKS; c++) {
            for (int s = 0; s < SLOTS; s += 256) {
                ByteBuffer b = ByteBuffer.allocate(256 * SLOT);
                client.read(c, (long) s * SLOT, b).get();
                for (int i = 0; i < 256; i++) {
                    long found = decode(b, i * SLOT, c, s + i);
                    List<Long> h = history.getOrDefault(key(c, s + i), List.of(0L));
                    List<Long> allowed = h.subList(acked.getOrDefault(key(c, s + i), 0), h.size());
                    assertThat(allowed).as("seed %d round %d chunk %d slot %d: found %d", seed, round, c, s + i, found)
                            .contains(found);
                    history.put(key(c, s + i), new ArrayList<>(List.of(found)));
                    acked.put(key(c, s + i), 0);
                }
            }
        }
    }

    private static ByteBuffer pattern(long chunk, int slot, long value) {
        ByteBuffer b = ByteBuffer.allocateDirect(SLOT);
        for (int i = 0; i < SLOT; i += 24) {
            if (i + 24 <= SLOT) {
                b.putLong(i, value).putLong(i + 8, chunk).putLong(i + 16, slot);
            }
        }
        return b;
    }

    /** @return the value in the slot, 0 for zeros, or -1 for anything that is not one whole pattern */
    private static long decode(ByteBuffer b, int at, long chunk, int slot) {
        long value = b.getLong(at);
        ByteBuffer expect = value == 0 ? ByteBuffer.allocate(SLOT) : pattern(chunk, slot, value);
        return b.slice(at, SLOT).equals(expect) ? value : -1;
    }
}
