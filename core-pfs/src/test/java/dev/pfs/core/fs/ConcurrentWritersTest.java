package dev.pfs.core.fs;

import static dev.pfs.core.OpenFlags.O_CREAT;
import static dev.pfs.core.OpenFlags.O_RDONLY;
import static dev.pfs.core.OpenFlags.O_RDWR;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Several threads write, sync, truncate, create, rename and unlink at once, each on files of
 * its own and on its own region of one shared file (so that every byte has one writer and the
 * expected contents are known). After the threads end, and again after a remount, every file
 * reads as its model says, and fsck finds nothing. Seeded: a failure prints its seed; the
 * threads race, so a seed replays its operations, not always their interleaving.
 */
@Timeout(300)
class ConcurrentWritersTest {
    private static final int THREADS = 4;
    private static final int REGION = 1 << 20;
    private static final int OPS = 120;

    /** What one thread expects: its files' bytes, and its region of the shared file. */
    private static final class Model {
        final Map<String, byte[]> files = new HashMap<>();
        final byte[] region = new byte[REGION];
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void concurrentWritersAndSyncsLeaveEveryFileAsItsModelSays(long seed) throws Exception {
        FaultyVolume v = FaultyVolume.create(96L << 20, seed);
        Pfs.mkfs(v, new MkfsOptions(16L << 20, 4));
        Model[] models = new Model[THREADS];
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (Pfs fs = Pfs.mount(v, MountOptions.readWrite(0))) {
            long shared = fs.open("/shared", O_CREAT | O_RDWR, 0644);
            fs.ftruncate(shared, (long) THREADS * REGION);
            List<Future<Model>> running = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                SplittableRandom random = new SplittableRandom(seed * 1000 + t);
                running.add(pool.submit(() -> work(fs, id, shared, random)));
            }
            for (int t = 0; t < THREADS; t++) {
                models[t] = running.get(t).get(240, TimeUnit.SECONDS);
            }
            check(fs, models, "seed " + seed + " before umount");
            fs.close(shared);
        } finally {
            pool.shutdownNow();
        }
        assertThat(Pfs.fsck(v, false).problems()).as("fsck, seed %d", seed).isEmpty();
        try (Pfs fs = Pfs.mount(v, MountOptions.readWrite(0))) {
            check(fs, models, "seed " + seed + " after remount");
        }
    }

    private static Model work(Pfs fs, int id, long shared, SplittableRandom random) throws PfsException {
        Model m = new Model();
        String dir = "/t" + id;
        fs.mkdir(dir, 0755);
        Map<String, Long> open = new HashMap<>();
        for (int op = 0; op < OPS; op++) {
            int kind = random.nextInt(10);
            if (kind < 3 || m.files.isEmpty()) {
                String name = dir + "/f" + random.nextInt(6);
                long fd = open.computeIfAbsent(name, n -> openOrCreate(fs, n));
                byte[] cur = m.files.computeIfAbsent(name, n -> new byte[0]);
                int len = random.nextBoolean() ? 4096 : 1 + random.nextInt(150_000);
                long at = random.nextBoolean() ? random.nextInt(64) * 4096L : random.nextInt(400_000);
                byte[] data = bytes(random, len);
                assertThat(fs.pwrite(fd, ByteBuffer.wrap(data), at)).isEqualTo(len);
                byte[] next = Arrays.copyOf(cur, (int) Math.max(cur.length, at + len));
                System.arraycopy(data, 0, next, (int) at, len);
                m.files.put(name, next);
            } else if (kind < 5) {
                int len = random.nextBoolean() ? 4096 * (1 + random.nextInt(4)) : 1 + random.nextInt(20_000);
                int at = random.nextBoolean() ? random.nextInt(REGION / 4096 - 4) * 4096 : random.nextInt(REGION - len);
                byte[] data = bytes(random, len);
                assertThat(fs.pwrite(shared, ByteBuffer.wrap(data), (long) id * REGION + at)).isEqualTo(len);
                System.arraycopy(data, 0, m.region, at, len);
            } else if (kind < 7) {
                long fd = random.nextBoolean() || open.isEmpty() ? shared : open.values().iterator().next();
                if (random.nextBoolean()) {
                    fs.fsync(fd);
                } else {
                    fs.fdatasync(fd);
                }
            } else if (kind == 7) {
                String name = pick(m, random);
                long fd = open.computeIfAbsent(name, n -> openOrCreate(fs, n));
                int length = random.nextInt(300_000);
                fs.ftruncate(fd, length);
                m.files.put(name, Arrays.copyOf(m.files.get(name), length));
            } else if (kind == 8) {
                String from = pick(m, random);
                String to = dir + "/f" + random.nextInt(6);
                fs.rename(from, to);
                if (!from.equals(to)) {
                    m.files.put(to, m.files.remove(from));
                    Long fd = open.remove(from);
                    Long replaced = open.remove(to);
                    if (replaced != null) {
                        fs.close(replaced);
                    }
                    if (fd != null) {
                        open.put(to, fd);
                    }
                }
            } else {
                String name = pick(m, random);
                fs.unlink(name);
                m.files.remove(name);
                Long fd = open.remove(name);
                if (fd != null) {
                    fs.close(fd);
                }
            }
        }
        for (long fd : open.values()) {
            fs.close(fd);
        }
        return m;
    }

    private static long openOrCreate(Pfs fs, String name) {
        try {
            return fs.open(name, O_CREAT | O_RDWR, 0644);
        } catch (PfsException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pick(Model m, SplittableRandom random) {
        List<String> names = new ArrayList<>(m.files.keySet());
        names.sort(null);
        return names.get(random.nextInt(names.size()));
    }

    private static byte[] bytes(SplittableRandom random, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) random.nextInt(1, 256);
        }
        return b;
    }

    private static void check(Pfs fs, Model[] models, String when) throws PfsException {
        long shared = fs.open("/shared", O_RDONLY, 0);
        for (int t = 0; t < THREADS; t++) {
            ByteBuffer got = ByteBuffer.allocate(REGION);
            fs.pread(shared, got, (long) t * REGION);
            assertThat(got.array()).as("%s: region %d of /shared", when, t).isEqualTo(models[t].region);
            assertThat(fs.readdir("/t" + t)).as("%s: names in /t%d", when, t).hasSize(models[t].files.size());
            for (Map.Entry<String, byte[]> e : models[t].files.entrySet()) {
                long fd = fs.open(e.getKey(), O_RDONLY, 0);
                assertThat(fs.fstat(fd).size()).as("%s: size of %s", when, e.getKey()).isEqualTo(e.getValue().length);
                ByteBuffer b = ByteBuffer.allocate(e.getValue().length);
                fs.pread(fd, b, 0);
                assertThat(b.array()).as("%s: bytes of %s", when, e.getKey()).isEqualTo(e.getValue());
                fs.close(fd);
            }
        }
        fs.close(shared);
    }
}
