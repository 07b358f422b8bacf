package dev.pfs.chunkserver.system;

import static dev.pfs.core.OpenFlags.O_CREAT;
import static dev.pfs.core.OpenFlags.O_RDONLY;
import static dev.pfs.core.OpenFlags.O_RDWR;
import static dev.pfs.core.OpenFlags.O_TRUNC;
import static dev.pfs.core.OpenFlags.O_WRONLY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.core.DirEntry;
import dev.pfs.core.Errno;
import dev.pfs.core.FileType;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * libpfs over a {@link ReplicatedVolume} on three chunkserver processes. Per seed a fresh volume
 * is formatted and mounted; one writer runs a seeded sequence of creates with fsync, pwrites with
 * fdatasync, and truncates with an fsync of the file, mkdirs, unlinks and renames with an fsync of the
 * directories, recording what each
 * acknowledged call promised. Unless {@code -Dpfs.repl.crash.leaderKill=false} the leader of a seeded
 * chunk is first killed with kill -9 and restarted while the writer goes on. At a seeded moment
 * mid-run all three servers are killed
 * with kill -9 at once (a power cut of the whole cluster, what the volume sees) and restarted.
 * After a remount: every acknowledged operation is there with its content, the operation in
 * flight shows only its old bytes, new bytes or zeros, and fsck after unmount is clean.
 *
 * <p>What the whole-cluster kill shows: kill -9 loses a process's memory but not what it handed
 * to the kernel, so it proves that an acknowledgement meant the write was in the replication log
 * of a majority (FUA writes of that log) and that three servers rebuilt from their logs alone
 * (no state in memory survives) commit and apply it again, below a libpfs that recovers its
 * journal on top. It does not show that the disk kept what fdatasync promised. {@code
 * -Dpfs.repl.crash.seeds=N -Dpfs.seed=S} run more seeds or replay one (the kill moments are
 * seeded, the interleaving with the servers is not).
 */
@Tag("system")
class ReplicatedPfsCrashTest {
    private static final long CHUNK = 4L << 20;
    private static final long VOLUME = 16L << 20;
    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final MountOptions RW = new MountOptions(true, 0, LEASE, Duration.ofMillis(500));
    private static final int OPS = 200;
    /**
     * Kill -9 a chunk leader mid-run first (on unless {@code -Dpfs.repl.crash.leaderKill=false}).
     * It found a deposed leader's unreplicated tail committed above newer writes by a later merge
     * (seed 17663901130783; docs/replication.md "A deposed leader's tail"), and, since its runs go
     * on longer than the others and so reach the volume's second 4 MB chunk, libpfs's checkpoints
     * skipping the block tags of odd chunks (seed 6555741776505, {@code CheckpointSectorsTest}):
     * both read an fsynced file back as zeros.
     */
    private static final boolean LEADER_KILL = Boolean.parseBoolean(System.getProperty("pfs.repl.crash.leaderKill",
            "true"));
    /**
     * Runs first unless {@code -Dpfs.seed} is given: it found the odd-chunk tag defect (before the
     * fix it failed in some replays only, since the interleaving with the servers is not seeded).
     */
    private static final long REGRESSION_SEED = 6555741776505L;

    @TempDir
    Path dir;

    @Test
    void acknowledgedOperationsSurviveLeaderKillsAndWholeClusterKills() throws Exception {
        int seeds = Integer.getInteger("pfs.repl.crash.seeds", 3);
        Long given = Long.getLong("pfs.seed");
        long base = given != null ? given : System.nanoTime();
        try (ReplicatedCluster cluster = new ReplicatedCluster(dir, CHUNK, "1G", 64)) {
            for (int i = 0; i < seeds; i++) {
                long seed = given == null && i == 0 ? REGRESSION_SEED : base + i;
                List<String> schedule = new ArrayList<>();
                try {
                    runSeed(cluster, i + 1, seed, schedule);
                } catch (Throwable t) {
                    throw new AssertionError("seed " + seed + " failed (replay with -Dpfs.seed=" + seed
                            + " -Dpfs.repl.crash.seeds=1), schedule " + schedule + ": " + t, t);
                }
            }
        }
    }

    /** What the writer was told is durable, and what was in flight when it stopped. */
    private static final class Model {
        final Random r;
        final Map<String, byte[]> files = new TreeMap<>();
        final Set<String> uncertain = new HashSet<>();
        final Map<String, byte[][]> versions = new TreeMap<>();
        volatile int done;

        Model(long seed) {
            r = new Random(seed);
            files.put("/w", null);
        }
    }

    private void runSeed(ReplicatedCluster cluster, long volumeId, long seed, List<String> schedule) throws Exception {
        Random r = new Random(seed);
        Placement placement = cluster.placement("pfscrash" + volumeId, volumeId, VOLUME, CHUNK);
        Model m = new Model(seed * 7919);
        // Groups are created with a generous deadline (a loaded machine's first fsyncs are slow);
        // the writer's volume then gives up soon after the servers are cut.
        ReplicatedVolume.create(placement, Duration.ofSeconds(30), Duration.ofSeconds(2)).close();
        ReplicatedVolume v = ReplicatedVolume.create(placement, Duration.ofSeconds(4), Duration.ofSeconds(1));
        Pfs.mkfs(v, new MkfsOptions(4L << 20, 4));
        // A mount whose 2 s lease ran out during its first checkpoint on a loaded machine (EROFS)
        // is retried: what runs before the writer starts is not what this test is about.
        Pfs fs = mountRetrying(v);
        fs.mkdir("/w", 0755);
        long root = fs.open("/", O_RDONLY, 0);
        fs.fsync(root);
        fs.close(root);
        int leaderKillAt = 5 + r.nextInt(10);
        Thread writer = Thread.ofPlatform().name("pfs-writer").start(() -> work(fs, m));
        if (LEADER_KILL) {
            awaitOps(m, leaderKillAt, writer);
            int chunk = r.nextInt(placement.chunks());
            int leader = v.leaderOf(chunk) != 0 ? v.leaderOf(chunk) : placement.replicas().get(chunk).get(0);
            schedule.add("after op " + m.done + ": kill -9 server " + leader + " (leader of chunk " + chunk
                    + " as last seen)");
            cluster.kill(leader);
            awaitOps(m, m.done + 3 + r.nextInt(10), writer);
            cluster.start(leader);
            schedule.add("server " + leader + " restarted after op " + m.done);
        } else {
            awaitOps(m, leaderKillAt, writer);
        }
        int cutAt = Math.min(OPS - 1, m.done + 5 + r.nextInt(40));
        awaitOps(m, cutAt, writer);
        Thread.sleep(r.nextInt(40));
        schedule.add("after op " + m.done + ": kill -9 of all three servers");
        for (int id = 1; id <= 3; id++) {
            cluster.kill(id);
        }
        // The writer stops at its first failed call (its volume's deadline bounds that); only
        // then do the servers come back, so the dead mount's client never writes after the restart.
        writer.join();
        try {
            fs.close();
        } catch (PfsException e) {
            // umount of a mount whose volume is gone: the checks below say what survived
        }
        v.close();
        for (int id = 1; id <= 3; id++) {
            cluster.start(id);
        }
        schedule.add("all three restarted; writer had " + m.done + " operations acknowledged");
        try (ReplicatedVolume after = ReplicatedVolume.create(placement, Duration.ofSeconds(20), Duration.ofSeconds(2))) {
            try (Pfs again = mountRetrying(after)) {
                verify(again, m, seed);
            }
            assertThat(Pfs.fsck(after, false).problems()).as("seed %d: fsck after remount", seed).isEmpty();
        }
        System.out.printf("replicated pfs crash seed=%d acknowledged_ops=%d schedule=%s%n", seed, m.done, schedule);
    }

    /** Waits until the writer acknowledged {@code n} operations, or stopped. */
    private static void awaitOps(Model m, int n, Thread writer) throws InterruptedException {
        long end = System.nanoTime() + 60_000_000_000L;
        while (m.done < n && writer.isAlive()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("writer stuck at " + m.done + " operations, waited for " + n);
            }
            Thread.sleep(5);
        }
    }

    /**
     * Mounts, retrying EBUSY (after the cut the dead mount's lease must run out first) and EROFS
     * (a lease that ran out during the mount).
     */
    private static Pfs mountRetrying(ReplicatedVolume v) throws PfsException, InterruptedException {
        long end = System.nanoTime() + 60_000_000_000L;
        while (true) {
            try {
                return Pfs.mount(v, RW);
            } catch (PfsException e) {
                if (e.errno() != Errno.EBUSY && e.errno() != Errno.EROFS || System.nanoTime() > end) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    private static void work(Pfs fs, Model m) {
        try {
            while (m.done < OPS) {
                step(fs, m);
                m.done++;
            }
        } catch (PfsException e) {
            // The servers were cut or the mount aborted: what was in flight stays uncertain.
        }
    }

    private static String pick(Model m, boolean dirs) {
        List<String> c = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : m.files.entrySet()) {
            if ((e.getValue() == null) == dirs) {
                c.add(e.getKey());
            }
        }
        return c.isEmpty() ? null : c.get(m.r.nextInt(c.size()));
    }

    private static String newName(Model m) {
        return pick(m, true) + "/n" + m.r.nextInt(1000);
    }

    private static void step(Pfs fs, Model m) throws PfsException {
        Random r = m.r;
        int kind = r.nextInt(10);
        String file = pick(m, false);
        if (kind <= 2 || file == null) {
            String p = newName(m);
            if (m.files.containsKey(p)) {
                return;
            }
            byte[] data = new byte[r.nextInt(100_000)];
            r.nextBytes(data);
            inFlight(m, p, null, data);
            long fd = fs.open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
            fs.write(fd, ByteBuffer.wrap(data));
            fs.fsync(fd);
            fs.close(fd);
            done(m, p, data);
        } else if (kind == 3) {
            String p = newName(m);
            if (m.files.containsKey(p)) {
                return;
            }
            m.uncertain.add(p);
            fs.mkdir(p, 0755);
            fsyncPath(fs, parent(p));
            m.uncertain.remove(p);
            m.files.put(p, null);
        } else if (kind <= 5) {
            byte[] old = m.files.get(file);
            int off = r.nextInt(old.length + 1000);
            byte[] patch = new byte[1 + r.nextInt(50_000)];
            r.nextBytes(patch);
            byte[] next = Arrays.copyOf(old, Math.max(old.length, off + patch.length));
            System.arraycopy(patch, 0, next, off, patch.length);
            inFlight(m, file, old, next);
            long fd = fs.open(file, O_RDWR, 0);
            fs.pwrite(fd, ByteBuffer.wrap(patch), off);
            fs.fdatasync(fd);
            fs.close(fd);
            done(m, file, next);
        } else if (kind == 6) {
            byte[] old = m.files.get(file);
            byte[] next = Arrays.copyOf(old, r.nextInt(old.length + 50_000));
            inFlight(m, file, old, next);
            fs.truncate(file, next.length);
            fsyncPath(fs, file);
            done(m, file, next);
        } else if (kind == 7) {
            inFlight(m, file, m.files.get(file), null);
            fs.unlink(file);
            fsyncPath(fs, parent(file));
            m.uncertain.remove(file);
            m.versions.remove(file);
            m.files.remove(file);
        } else {
            String to = newName(m);
            if (m.files.containsKey(to)) {
                return;
            }
            byte[] data = m.files.get(file);
            inFlight(m, file, data, null);
            inFlight(m, to, null, data);
            fs.rename(file, to);
            fsyncPath(fs, parent(file));
            fsyncPath(fs, parent(to));
            m.uncertain.clear();
            m.versions.clear();
            m.files.remove(file);
            m.files.put(to, data);
        }
    }

    /** POSIX's promise: a name change or a truncate is durable once its directory or file is fsynced. */
    private static void fsyncPath(Pfs fs, String path) throws PfsException {
        long fd = fs.open(path, O_RDONLY, 0);
        try {
            fs.fsync(fd);
        } finally {
            fs.close(fd);
        }
    }

    private static String parent(String path) {
        return path.substring(0, path.lastIndexOf('/'));
    }

    private static void inFlight(Model m, String path, byte[] old, byte[] next) {
        m.uncertain.add(path);
        m.versions.put(path, new byte[][] {old, next});
    }

    private static void done(Model m, String path, byte[] data) {
        m.uncertain.remove(path);
        m.versions.remove(path);
        m.files.put(path, data);
    }

    private static void verify(Pfs fs, Model m, long seed) throws PfsException {
        Set<String> found = new HashSet<>();
        found.add("/w");
        walk(fs, "/w", found);
        for (Map.Entry<String, byte[]> e : m.files.entrySet()) {
            String p = e.getKey();
            if (m.uncertain.contains(p)) {
                continue;
            }
            assertThat(found).as("seed %d: %s must exist", seed, p).contains(p);
            if (e.getValue() == null) {
                assertThat(fs.stat(p).type()).isEqualTo(FileType.DIRECTORY);
            } else {
                assertThat(readAll(fs, p)).as("seed %d: content of %s", seed, p).isEqualTo(e.getValue());
            }
        }
        for (String p : found) {
            if (m.uncertain.contains(p)) {
                if (fs.stat(p).type() == FileType.REGULAR) {
                    checkNoForeignBytes(readAll(fs, p), m.versions.get(p), seed, p);
                }
                continue;
            }
            assertThat(m.files).as("seed %d: %s must not exist", seed, p).containsKey(p);
        }
    }

    private static void checkNoForeignBytes(byte[] got, byte[][] versions, long seed, String p) {
        for (int i = 0; i < got.length; i++) {
            boolean ok = got[i] == 0;
            for (byte[] v : versions == null ? new byte[0][] : versions) {
                ok |= v != null && i < v.length && v[i] == got[i];
            }
            assertThat(ok).as("seed %d: %s byte %d is neither old, new nor zero", seed, p, i).isTrue();
        }
    }

    private static byte[] readAll(Pfs fs, String path) throws PfsException {
        long fd = fs.open(path, O_RDONLY, 0);
        try {
            ByteBuffer b = ByteBuffer.allocate((int) fs.fstat(fd).size());
            fs.pread(fd, b, 0);
            return b.array();
        } finally {
            fs.close(fd);
        }
    }

    private static void walk(Pfs fs, String dir, Set<String> out) throws PfsException {
        for (DirEntry e : fs.readdir(dir)) {
            String p = dir + "/" + e.name();
            out.add(p);
            if (e.type() == FileType.DIRECTORY) {
                walk(fs, p, out);
            }
        }
    }
}
