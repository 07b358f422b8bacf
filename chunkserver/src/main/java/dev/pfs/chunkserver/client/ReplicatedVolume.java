package dev.pfs.chunkserver.client;

import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.tls.ClusterTls;
import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.common.volume.VolumeRanges;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link BlockVolume} over replicated chunks ({@link Placement}): volume byte {@code x} lives
 * in chunk {@code x / chunkSize}, replicated by that chunk's group. A request is split at chunk
 * boundaries and into pieces of at most {@link #PIECE} bytes, each sent to its chunk's leader
 * (cached per chunk); a NOT_LEADER answer is followed to the leader it names, a timeout or a
 * lost connection moves on to the next replica after a backoff (5 ms doubling to 200 ms), all
 * within the request deadline, after which the request fails with
 * {@link VolumeException.Kind#UNAVAILABLE} naming the chunk and its servers. Every write is
 * durable on a majority of the chunk's replicas when it completes (FUA is implied, FLUSH is a
 * no-op); reads are served by the leader after every write committed before them.
 *
 * <p>A write try whose outcome is unknown (no reply in time, a lost connection) may still reach
 * its server later, even after this volume went on to later writes of the same blocks: its
 * bytes can sit in a TCP retransmit queue or a paused server's socket. So every write try
 * carries this volume's try generation, raised above the generation of every such try before
 * the next one goes out; a group refuses a write older than a generation it logged (STALE_TRY,
 * answered by trying again at once with a generation at least as high), so a late try can no
 * longer land on top of what was written after it (docs/replication.md "Late tries").
 */
public final class ReplicatedVolume implements BlockVolume {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicatedVolume.class);
    /** Largest piece of a request sent as one replicated write or read. */
    public static final int PIECE = 128 * 1024;
    private static final long MAX_BACKOFF_NANOS = 200_000_000L;

    private final Placement placement;
    private final Duration deadline;
    private final Duration attempt;
    private final ClusterTls tls;
    private final Map<Integer, ChunkClient> clients = new ConcurrentHashMap<>();
    /** Per chunk, the server believed to lead it (0: unknown). */
    private final AtomicIntegerArray leaders;
    /** The try generation write tries carry now: above that of every try whose outcome is unknown. */
    private final AtomicLong generation = new AtomicLong();
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean closed;

    private ReplicatedVolume(Placement placement, Duration deadline, Duration attempt, ClusterTls tls) {
        this.placement = placement;
        this.deadline = deadline;
        this.attempt = attempt;
        this.tls = tls;
        this.leaders = new AtomicIntegerArray(placement.chunks());
    }

    /**
     * Opens an existing volume, asking every replica it can reach whether it holds its chunk's
     * group, presenting the placement's TLS identity to the servers when it names one. A server
     * that does not hold a group (its data directory was wiped) is not given it back: it would
     * vote again having forgotten what it acknowledged. It counts as missing, and returns through
     * {@link ReplicaMembership} (removed, then added).
     *
     * @param deadline how long a request may take, retries included, before it fails
     * @param attempt  how long one try at one server may take
     * @throws VolumeException if a chunk's group exists on fewer than a majority of its servers,
     *                         or the placement's TLS files cannot be loaded
     */
    public static ReplicatedVolume open(Placement placement, Duration deadline, Duration attempt)
            throws VolumeException {
        return open(placement, deadline, attempt, tlsOf(placement));
    }

    /**
     * Creates the volume's groups on their servers (idempotent where they exist) and opens it:
     * for a placement just made, as {@code pfs volume create} does. Opening an existing volume
     * this way would found a wiped server's groups afresh, with the danger {@link #open} avoids.
     *
     * @see #open(Placement, Duration, Duration)
     */
    public static ReplicatedVolume create(Placement placement, Duration deadline, Duration attempt)
            throws VolumeException {
        return open(placement, deadline, attempt, tlsOf(placement), true);
    }

    /** Creates as {@link #create(Placement, Duration, Duration)}, over mutual TLS with {@code tls} (null: plain TCP). */
    public static ReplicatedVolume create(Placement placement, Duration deadline, Duration attempt, ClusterTls tls)
            throws VolumeException {
        return open(placement, deadline, attempt, tls, true);
    }

    /** @return the placement's TLS identity loaded, or null when it names none */
    static ClusterTls tlsOf(Placement placement) throws VolumeException {
        try {
            return placement.loadTls();
        } catch (IOException e) {
            throw new VolumeException(VolumeException.Kind.IO, e.getMessage(), e);
        }
    }

    /**
     * Opens as {@link #open(Placement, Duration, Duration)}, talking to the servers over mutual
     * TLS with {@code tls} (null: plain TCP).
     */
    public static ReplicatedVolume open(Placement placement, Duration deadline, Duration attempt, ClusterTls tls)
            throws VolumeException {
        return open(placement, deadline, attempt, tls, false);
    }

    /**
     * Opens as {@link #open(Placement, Duration, Duration, ClusterTls)}, founding missing groups
     * when {@code founding} ({@link #create}).
     */
    private static ReplicatedVolume open(Placement placement, Duration deadline, Duration attempt, ClusterTls tls,
                                         boolean founding) throws VolumeException {
        ReplicatedVolume v = new ReplicatedVolume(placement, deadline, attempt, tls);
        try {
            Map<Integer, Integer> lacking = new TreeMap<>();
            for (int i = 0; i < placement.chunks(); i++) {
                v.createGroup(i, founding).forEach(id -> lacking.merge(id, 1, Integer::sum));
            }
            if (!lacking.isEmpty()) {
                LOG.warn("volume {}: servers that do not hold some of its groups (server=chunks): {}; their data may"
                        + " have been wiped: remove each from its chunks' replicas and add it again", placement.name(),
                        lacking);
            }
        } catch (VolumeException e) {
            v.close();
            throw e;
        }
        return v;
    }

    /** Opens with a 30 s request deadline and 2 s per try. */
    public static ReplicatedVolume open(Placement placement) throws VolumeException {
        return open(placement, Duration.ofSeconds(30), Duration.ofSeconds(2));
    }

    /**
     * Makes sure chunk {@code chunk}'s group is on its servers (founding it where missing when
     * {@code founding}), retrying those that do not answer until the deadline; once a majority
     * holds it, the others get one more try. A server that answers that it lacks the group is not
     * asked again.
     */
    private Set<Integer> createGroup(int chunk, boolean founding) throws VolumeException {
        List<Integer> replicas = placement.replicas().get(chunk);
        Map<Integer, String> failures = new LinkedHashMap<>();
        Set<Integer> done = new HashSet<>();
        Set<Integer> lacking = new HashSet<>();
        long end = System.nanoTime() + deadline.toNanos();
        boolean lastPass = false;
        while (done.size() + lacking.size() < replicas.size() && !closed) {
            for (int id : replicas) {
                if (done.contains(id) || lacking.contains(id)) {
                    continue;
                }
                try {
                    await(client(id).createGroup(placement.chunkId(chunk), placement.chunkSize(),
                            placement.members(chunk), founding));
                    done.add(id);
                    failures.remove(id);
                } catch (ChunkException e) {
                    if (e.status() == ChunkStatus.UNKNOWN_CHUNK) {
                        failures.put(id, e.getMessage());
                        lacking.add(id);
                        continue;
                    }
                    if (e.status() != ChunkStatus.TIMED_OUT && e.status() != ChunkStatus.IO_ERROR
                            && e.status() != ChunkStatus.CLOSED) {
                        throw new VolumeException(kind(e.status()), placement.describe(chunk) + ": cannot create its "
                                + "group on server " + id + ": " + e.getMessage(), e);
                    }
                    failures.put(id, e.getMessage());
                } catch (IOException | RuntimeException e) {
                    failures.put(id, String.valueOf(e.getMessage()));
                }
            }
            if (lastPass || System.nanoTime() > end) {
                break;
            }
            lastPass = done.size() > replicas.size() / 2;
            if (!lastPass) {
                pause(100_000_000L);
            }
        }
        if (done.size() <= replicas.size() / 2) {
            throw new VolumeException(VolumeException.Kind.UNAVAILABLE, placement.describe(chunk)
                    + ": its group exists on only " + done.size() + " of " + replicas.size() + " servers: " + failures);
        }
        return lacking;
    }

    private static void pause(long nanos) throws VolumeException {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VolumeException(VolumeException.Kind.CLOSED, "interrupted", e);
        }
    }

    private ChunkClient client(int id) throws IOException {
        ChunkClient c = clients.get(id);
        if (c != null && c.isOpen()) {
            return c;
        }
        synchronized (clients) {
            c = clients.get(id);
            if (c == null || !c.isOpen()) {
                if (c != null) {
                    closeQuietly(c);
                }
                c = ChunkClient.connect(placement.servers().get(id), attempt, tls);
                clients.put(id, c);
            }
            return c;
        }
    }

    private static <T> T await(CompletableFuture<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VolumeException(VolumeException.Kind.CLOSED, "interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof IOException io ? io : new IOException(String.valueOf(c), c);
        } catch (RuntimeException e) {
            throw new IOException(e.toString(), e);
        }
    }

    /** One try of a piece at one server, a write's carrying try generation {@code generation}. */
    private interface Try {
        CompletableFuture<Void> run(ChunkClient client, long chunkId, long generation);
    }

    /**
     * Runs {@code op} at chunk {@code chunk}'s leader, following NOT_LEADER and retrying within the
     * deadline. For a {@code write}, a try whose outcome is unknown raises the try generation above
     * its own before the next try, and a STALE_TRY refusal is tried again at once at the group's.
     */
    private void onLeader(int chunk, boolean write, Try op) throws VolumeException {
        List<Integer> replicas = placement.replicas().get(chunk);
        long end = System.nanoTime() + deadline.toNanos();
        long backoff = 5_000_000L;
        int server = leaders.get(chunk) == 0 ? replicas.get(0) : leaders.get(chunk);
        String last = "no try";
        int hops = 0;
        int refusals = 0;
        while (!closed) {
            int next;
            long tried = generation.get();
            try {
                await(op.run(client(server), placement.chunkId(chunk), tried));
                leaders.set(chunk, server);
                return;
            } catch (ChunkException e) {
                last = server + ": " + e.getMessage();
                if (e.status() == ChunkStatus.STALE_TRY) {
                    // Refused, not proposed: the group logged a later generation (ours, or another
                    // client's). At the group's, the next try passes unless a raise overtakes it again.
                    generation.accumulateAndGet(e.generation(), Math::max);
                    if (refusals++ < replicas.size()) {
                        continue;
                    }
                    next = server;
                } else if (e.status() == ChunkStatus.NOT_LEADER) {
                    int hinted = hinted(e);
                    if (hinted != 0 && hinted != server && hops++ < replicas.size()) {
                        // Follow the named leader at once; a ring of stale hints falls back to the backoff.
                        server = hinted;
                        continue;
                    }
                    // The server leads but does not serve yet (its merge stage), or knows no leader.
                    next = hinted == server ? server : hinted != 0 ? hinted : following(replicas, server);
                } else if (e.status() == ChunkStatus.TIMED_OUT || e.status() == ChunkStatus.IO_ERROR
                        || e.status() == ChunkStatus.CLOSED) {
                    overtaken(write, tried);
                    next = following(replicas, server);
                } else if (e.status() == ChunkStatus.UNKNOWN_CHUNK) {
                    next = following(replicas, server);
                } else {
                    throw new VolumeException(kind(e.status()), placement.describe(chunk) + ": " + e.getMessage(), e);
                }
            } catch (IOException | RuntimeException e) {
                // Unreachable, or a connection closed under us (its client's loop already stopped).
                last = server + ": " + e;
                overtaken(write, tried);
                next = following(replicas, server);
            }
            hops = 0;
            long left = end - System.nanoTime();
            if (left <= 0) {
                break;
            }
            pause(Math.min(backoff, left));
            backoff = Math.min(MAX_BACKOFF_NANOS, backoff * 2);
            server = next;
        }
        throw new VolumeException(closed ? VolumeException.Kind.CLOSED : VolumeException.Kind.UNAVAILABLE,
                placement.describe(chunk) + ": no leader with a quorum answered within " + deadline.toMillis()
                        + " ms (last: " + last + ")");
    }

    /**
     * A write try at generation {@code tried} got no answer: it may still be proposed whenever it
     * arrives, so every later try goes out above it, and a group that logged one refuses it.
     */
    private void overtaken(boolean write, long tried) {
        if (write) {
            generation.accumulateAndGet(tried + 1, Math::max);
        }
    }

    /** @return the server a NOT_LEADER refusal names as leader, if it is one of the placement's; else 0 */
    private int hinted(ChunkException e) {
        return placement.servers().containsKey(e.leader()) ? e.leader() : 0;
    }

    private static int following(List<Integer> replicas, int server) {
        return replicas.get((replicas.indexOf(server) + 1) % replicas.size());
    }

    private static VolumeException.Kind kind(ChunkStatus s) {
        return switch (s) {
            case OUT_OF_RANGE -> VolumeException.Kind.OUT_OF_RANGE;
            case MISALIGNED -> VolumeException.Kind.MISALIGNED;
            case NO_SPACE -> VolumeException.Kind.NO_SPACE;
            case STALE_EPOCH -> VolumeException.Kind.STALE_EPOCH;
            case CLOSED -> VolumeException.Kind.CLOSED;
            default -> VolumeException.Kind.IO;
        };
    }

    /** A piece of a request inside one chunk. */
    private interface Piece {
        void run(int chunk, long chunkOffset, int from, int length) throws VolumeException;
    }

    private CompletableFuture<Void> split(long offset, long length, Piece piece) {
        if (closed) {
            return VolumeException.failed(VolumeException.Kind.CLOSED, "volume " + placement.name() + " is closed");
        }
        VolumeException bad = VolumeRanges.check(offset, length, size());
        if (bad != null) {
            return CompletableFuture.failedFuture(bad);
        }
        List<CompletableFuture<Void>> parts = new ArrayList<>();
        for (long pos = offset; pos < offset + length; ) {
            int chunk = (int) (pos / placement.chunkSize());
            long inChunk = pos % placement.chunkSize();
            int len = (int) Math.min(PIECE, Math.min(offset + length - pos, placement.chunkSize() - inChunk));
            int from = (int) (pos - offset);
            parts.add(CompletableFuture.runAsync(() -> {
                try {
                    piece.run(chunk, inChunk, from, len);
                } catch (VolumeException e) {
                    throw new CompletionException(e);
                }
            }, workers));
            pos += len;
        }
        return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0]));
    }

    @Override
    public long size() {
        return placement.size();
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        int base = dst.position();
        int length = dst.remaining();
        return split(offset, length, (chunk, at, from, len) -> {
            ByteBuffer part = dst.duplicate().position(base + from).limit(base + from + len).slice();
            onLeader(chunk, false, (c, id, g) -> c.replicatedRead(id, at, part.duplicate()));
        }).thenRun(() -> dst.position(base + length));
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, long epoch, boolean fua) {
        int base = src.position();
        return split(offset, src.remaining(), (chunk, at, from, len) -> {
            ByteBuffer part = src.duplicate().position(base + from).limit(base + from + len).slice();
            onLeader(chunk, true, (c, id, g) -> c.replicatedWrite(id, epoch, g, at, part.duplicate()));
        });
    }

    /** Every completed write is already durable on a majority. */
    @Override
    public CompletableFuture<Void> flush() {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return writeZeroes(offset, length, NO_EPOCH);
    }

    /** Writes zeros through the groups (no replicated zeroing op yet). */
    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, long epoch) {
        ByteBuffer zeros = ByteBuffer.allocate(PIECE);
        return split(offset, length, (chunk, at, from, len) ->
                onLeader(chunk, true, (c, id, g) -> c.replicatedWrite(id, epoch, g, at, zeros.duplicate().limit(len))));
    }

    @Override
    public CompletableFuture<Void> resize(long newSize) {
        return VolumeException.failed(VolumeException.Kind.IO, "volume " + placement.name()
                + ": a replicated volume's size is fixed by its placement file");
    }

    /**
     * Fences the volume at {@code epoch}: every chunk's group logs it, and from then on its leaders
     * refuse writes with an older epoch ({@link VolumeException.Kind#STALE_EPOCH}). A new holder
     * does this before its first write.
     */
    public CompletableFuture<Void> fence(long epoch) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < placement.chunks(); i++) {
            int chunk = i;
            all.add(CompletableFuture.runAsync(() -> {
                try {
                    onLeader(chunk, false, (c, id, g) -> c.replicatedFence(id, epoch));
                } catch (VolumeException e) {
                    throw new CompletionException(e);
                }
            }, workers));
        }
        return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]));
    }

    /** @return the server this volume last found leading chunk {@code chunk}, or 0 if none yet */
    public int leaderOf(int chunk) {
        return leaders.get(chunk);
    }

    @Override
    public void close() {
        closed = true;
        workers.shutdownNow();
        clients.values().forEach(ReplicatedVolume::closeQuietly);
        clients.clear();
    }

    /** A client whose server vanished may have stopped its loop already: nothing left to close. */
    private static void closeQuietly(ChunkClient c) {
        try {
            c.close();
        } catch (RuntimeException e) {
            // Already closed with its event loop.
        }
    }
}
