package dev.pfs.chunkserver.replication;

import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.store.ChunkStore;
import dev.pfs.chunkserver.wal.WalRecord;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.parallelraft.Entry;
import dev.pfs.parallelraft.EntryKind;
import dev.pfs.parallelraft.Message;
import dev.pfs.parallelraft.MessageType;
import dev.pfs.parallelraft.RaftNode;
import dev.pfs.parallelraft.Ready;
import dev.pfs.parallelraft.RejectReason;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.Agent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives every replication group of this server on one thread (an Agrona {@link Agent}): takes
 * the requests and peer messages that queued up, ticks the groups every {@link #TICK_NANOS}
 * while any exist, then collects one Ready from each group with work and does what
 * {@link Ready} says, one Ready per group at a time: all their entries, truncations and hard
 * states in one group-commit frame of the replication log (FUA), then their messages, then the
 * committed entries applied to the chunk store in Ready order (the store keeps per-block order),
 * then {@code advance}. Writes are acknowledged from there once committed as proposed.
 */
final class ReplicationAgent implements Agent {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicationAgent.class);
    /** One logical tick of a busy group: elections after 10-20 ticks, heartbeats every 2. */
    static final long TICK_NANOS = 50_000_000L;
    /**
     * A quiet group ticks once every this many rounds of {@link #TICK_NANOS}: heartbeats every
     * 500 ms and elections after 2.5-5 s while nothing happens, so idle groups cost little.
     */
    static final int QUIET_EVERY = 5;
    /** A group stays busy this long after its last proposal, entry or election message. */
    static final long BUSY_NANOS = 2_000_000_000L;

    /** Work handed to the agent from other threads. */
    sealed interface Op {
    }

    /** Create a group (idempotent); completes once its record is durable. */
    record Create(GroupSpec spec, CompletableFuture<byte[]> future) implements Op {
    }

    /** A client write or read at this server. */
    record Propose(long chunkId, Command command, byte[] data, CompletableFuture<byte[]> future) implements Op {
    }

    /** Messages of one group from a peer. */
    record Inbound(long group, List<Message> messages) implements Op {
    }

    final Queue<Op> queue = new ConcurrentLinkedQueue<>();
    private final int self;
    private final ReplicationLog log;
    private final ChunkStore store;
    private final PeerLinks links;
    private final Map<Long, ReplicaGroup> groups = new LinkedHashMap<>();
    private final Set<ReplicaGroup> dirty = new LinkedHashSet<>();
    /** Groups whose applied entries still wait for store writes before they are a checkpoint. */
    private final Set<ReplicaGroup> applying = new LinkedHashSet<>();
    private final List<CompletableFuture<Void>> roundWrites = new ArrayList<>();
    /** The log's used bytes at which the next rewrite is tried. */
    private long nextReclaim;
    /** The tick round of the last forced try of a rewrite. */
    private long forcedRound = -1;
    private final List<CompletableFuture<byte[]>> created = new ArrayList<>();
    private final List<WalRecord> records = new ArrayList<>();
    private long nextTick = System.nanoTime();
    private long tickRound;
    private volatile String failure;
    final AtomicLong unknownGroup = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong logWrites = new AtomicLong();
    final AtomicLong readies = new AtomicLong();
    final AtomicLong reclaims = new AtomicLong();
    final AtomicLong refusedFull = new AtomicLong();
    private boolean loggedUnknown;
    private boolean loggedRefused;

    ReplicationAgent(int self, ReplicationLog log, ChunkStore store, PeerLinks links,
                     Map<Long, ReplicationLog.Recovered> recovered) {
        this.self = self;
        this.log = log;
        this.store = store;
        this.links = links;
        this.nextReclaim = log.reclaimStep(log.halfSize() / 2);
        recovered.forEach((id, r) -> {
            // The store holds the chunk durably at the compaction point (the group's checkpoint):
            // the node re-applies only the entries above it.
            RaftNode node = new RaftNode(RaftSettings.config(self, r.spec()), r.hard(), r.entries());
            ReplicaGroup g = new ReplicaGroup(r.spec(), node, self);
            g.hard = r.hard();
            r.entries().forEach(g::logged);
            add(g);
        });
    }

    private void add(ReplicaGroup g) {
        groups.put(g.spec.chunkId(), g);
        g.spec.members().forEach(links::learn);
        dirty.add(g);
    }

    /** @return why replication stopped, or null */
    String failure() {
        return failure;
    }

    /** @return nanoseconds until the agent next wants to run without new work, or -1 for never */
    long idleNanos() {
        if (failure != null) {
            return -1;
        }
        if (!dirty.isEmpty()) {
            return 0;
        }
        return groups.isEmpty() ? -1 : Math.max(0, nextTick - System.nanoTime());
    }

    @Override
    public int doWork() {
        int work = 0;
        for (Op op; (op = queue.poll()) != null; ) {
            work++;
            handle(op);
        }
        long now = System.nanoTime();
        if (!groups.isEmpty() && now - nextTick >= 0) {
            nextTick = now + TICK_NANOS;
            tickRound++;
            for (ReplicaGroup g : groups.values()) {
                if (g.busy(now) || tickRound % QUIET_EVERY == 0) {
                    g.node.tick();
                    dirty.add(g);
                }
            }
            links.maintain();
            checkpoints();
            if (log.room() < reserve()) {
                reclaim(true);
            }
            work++;
        }
        if (failure == null && (!dirty.isEmpty() || !created.isEmpty())) {
            work += round();
        }
        return work;
    }

    private void handle(Op op) {
        if (failure != null) {
            if (op instanceof Create c) {
                c.future.completeExceptionally(stopped());
            } else if (op instanceof Propose p) {
                p.future.completeExceptionally(stopped());
            }
            return;
        }
        switch (op) {
            case Create c -> create(c);
            case Propose p -> {
                ReplicaGroup g = groups.get(p.chunkId);
                if (g == null) {
                    p.future.completeExceptionally(new ChunkException(ChunkStatus.UNKNOWN_CHUNK, "chunk "
                            + p.chunkId + " has no replication group on server " + self));
                } else if (p.command.kind() != Command.Kind.READ && log.room() < reserve() && !reclaimed()) {
                    refusedFull.incrementAndGet();
                    p.future.completeExceptionally(new ChunkException(ChunkStatus.NO_SPACE, "chunk " + p.chunkId
                            + ": the replication log of server " + self + " is full (" + log.room() + " of "
                            + log.halfSize() + " bytes left): its space returns as every member of its groups "
                            + "applies and checkpoints; a member that is down holds it"));
                } else {
                    g.propose(p.command, p.data, p.future);
                    g.touch(System.nanoTime());
                    dirty.add(g);
                }
            }
            case Inbound in -> {
                ReplicaGroup g = groups.get(in.group);
                if (g == null) {
                    unknownGroup.addAndGet(in.messages.size());
                    if (!loggedUnknown) {
                        loggedUnknown = true;
                        LOG.warn("messages for group {}, unknown on server {}: refused and counted; further ones "
                                + "are not logged", in.group, self);
                    }
                    return;
                }
                for (Message m : in.messages) {
                    if (m.type() != MessageType.HEARTBEAT && m.type() != MessageType.HEARTBEAT_RESP) {
                        g.touch(System.nanoTime());
                    }
                    // The library hears a leader's messages from anyone (a member joining may not
                    // know its leader yet); membership is fixed here, so a stranger is refused.
                    RejectReason r = g.node.members().contains(m.from()) ? g.node.step(m) : RejectReason.UNKNOWN_NODE;
                    if (r != RejectReason.NONE && r != RejectReason.DUPLICATE && r != RejectReason.BUSY) {
                        refused.incrementAndGet();
                        if (!loggedRefused) {
                            loggedRefused = true;
                            LOG.info("group {}: refused {} ({}); further refusals are counted, not logged",
                                    in.group, m, r);
                        }
                    }
                }
                dirty.add(g);
            }
        }
    }

    private void create(Create c) {
        ReplicaGroup existing = groups.get(c.spec.chunkId());
        if (existing != null) {
            if (java.util.Arrays.equals(existing.spec.encodeMembers(), c.spec.encodeMembers())
                    && existing.spec.size() == c.spec.size()) {
                c.future.complete(null);
            } else {
                c.future.completeExceptionally(new ChunkException(ChunkStatus.EXISTS, "chunk " + c.spec.chunkId()
                        + " already has a group of other members or size on server " + self));
            }
            return;
        }
        if (!c.spec.members().containsKey(self)) {
            c.future.completeExceptionally(new ChunkException(ChunkStatus.MALFORMED, "server " + self
                    + " is not among the members " + c.spec.ids() + " of chunk " + c.spec.chunkId()));
            return;
        }
        try {
            VolumeException.await(store.create(c.spec.chunkId(), c.spec.size()).exceptionallyCompose(t -> {
                Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
                        ? t.getCause() : t;
                return cause instanceof ChunkException e && e.status() == ChunkStatus.EXISTS
                        ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(cause);
            }));
        } catch (VolumeException e) {
            c.future.completeExceptionally(new ChunkException(ChunkStatus.IO_ERROR, "chunk " + c.spec.chunkId()
                    + ": cannot create it in the store: " + e.getMessage(), e));
            return;
        }
        records.add(ReplicationLog.group(c.spec));
        add(new ReplicaGroup(c.spec, new RaftNode(RaftSettings.config(self, c.spec)), self));
        created.add(c.future);
    }

    /** One round: a Ready from each group with work, logged together, then sent, applied and advanced. */
    private int round() {
        List<ReplicaGroup> ready = new ArrayList<>();
        List<Ready> rds = new ArrayList<>();
        for (ReplicaGroup g : dirty) {
            Ready rd = g.node.ready();
            if (rd.isEmpty()) {
                g.settle();
                continue;
            }
            if (!rd.checkpointPieces().isEmpty() || rd.installCheckpoint() >= 0) {
                throw new IllegalStateException("group " + g.spec.chunkId()
                        + ": checkpoint streaming is not supported yet, and no leader streams one");
            }
            long group = g.spec.chunkId();
            if (rd.truncateAfter() >= 0) {
                records.add(ReplicationLog.truncate(group, rd.truncateAfter()));
            }
            if (!rd.entries().isEmpty()) {
                g.touch(System.nanoTime());
            }
            for (Entry e : rd.entries()) {
                records.add(ReplicationLog.entry(group, e));
                g.logged(e);
            }
            if (rd.hardState() != null) {
                records.add(ReplicationLog.hardState(group, rd.hardState()));
                g.hard = rd.hardState();
            }
            ready.add(g);
            rds.add(rd);
        }
        dirty.clear();
        if (!records.isEmpty()) {
            boolean tight = bytes(records) + reserve() > log.room();
            if (tight || log.used() >= nextReclaim) {
                reclaim(tight);
            }
            try {
                logWrites.addAndGet(log.append(records));
            } catch (VolumeException | RuntimeException e) {
                stop("replication log write failed: " + e.getMessage(), e);
                return 1;
            } finally {
                records.clear();
            }
        }
        created.forEach(f -> f.complete(null));
        created.clear();
        for (int i = 0; i < ready.size(); i++) {
            ReplicaGroup g = ready.get(i);
            Ready rd = rds.get(i);
            send(g, rd.messages());
            for (Entry e : rd.toApply()) {
                apply(g, e);
            }
            if (!rd.toApply().isEmpty()) {
                g.applied(List.copyOf(roundWrites));
                roundWrites.clear();
                applying.add(g);
            }
            g.node.advance(rd);
            g.settle();
            dirty.add(g);
        }
        links.flush();
        readies.addAndGet(ready.size());
        return ready.size();
    }

    private void send(ReplicaGroup g, List<Message> messages) {
        if (messages.isEmpty()) {
            return;
        }
        Map<Integer, List<Message>> byPeer = new HashMap<>();
        for (Message m : messages) {
            byPeer.computeIfAbsent(m.to(), k -> new ArrayList<>()).add(m);
        }
        byPeer.forEach((peer, ms) -> links.send(peer, g.spec.chunkId(), ms));
    }

    /** Applies a committed entry to the store; the store runs its writes in the order they are given. */
    private void apply(ReplicaGroup g, Entry e) {
        if (e.kind() != EntryKind.WRITE) {
            return;
        }
        Command c = Command.decode(e.data());
        if (c == null) {
            stop("group " + g.spec.chunkId() + ": entry " + e + " carries no command", null);
            return;
        }
        long chunk = g.spec.chunkId();
        switch (c.kind()) {
            case WRITE -> roundWrites.add(store.write(chunk, 0, c.offset(),
                    ByteBuffer.wrap(e.data(), Command.HEADER, (int) c.length())).whenComplete((v, t) -> {
                        if (t != null) {
                            stop("chunk " + chunk + ": applying entry " + e.index() + " failed: "
                                    + VolumeException.unwrap(t).getMessage(), t);
                        }
                    }));
            case FENCE -> {
            }
            case READ -> {
                ReplicaGroup.Waiting w = g.appliedRead(e);
                if (w != null) {
                    ByteBuffer dst = Arena.ofAuto().allocate(c.length(), 4096).asByteBuffer();
                    // The store maps a write's blocks when it logs it but writes their data only
                    // after its WAL commit, so a read it takes in between reads the blocks' old
                    // content: the read waits for the writes applied before it.
                    g.writesBefore(roundWrites).handle((v, t) -> null)
                            .thenCompose(v -> store.read(chunk, c.offset(), dst)).whenComplete((v, t) -> {
                        if (t == null) {
                            byte[] out = new byte[(int) c.length()];
                            dst.clear().get(out);
                            w.future().complete(out);
                        } else {
                            w.future().completeExceptionally(VolumeException.unwrap(t));
                        }
                    });
                }
            }
        }
    }

    /** Passes the store's durable applied prefixes to the nodes as checkpoints; those that moved prune. */
    private void checkpoints() {
        for (java.util.Iterator<ReplicaGroup> it = applying.iterator(); it.hasNext(); ) {
            ReplicaGroup g = it.next();
            if (g.checkpoint()) {
                dirty.add(g);
            }
            if (!g.applying()) {
                it.remove();
            }
        }
    }

    /** @return whether a rewrite of the log (taken now if it frees anything) leaves more than the reserve */
    private boolean reclaimed() {
        checkpoints();
        reclaim(true);
        return log.room() >= reserve();
    }

    /** @return room below which writes are refused: what is left must take the rounds already under way */
    private long reserve() {
        return log.halfSize() / 4;
    }

    private static long bytes(List<WalRecord> records) {
        long n = 0;
        for (WalRecord r : records) {
            n += r.encodedLength();
        }
        return n;
    }

    /**
     * Rewrites the replication log to the other half with only what recovery needs (every group's
     * creation, hard state and entries above its checkpoint), when that frees at least half of
     * what is in use, or anything when room is short ({@code force}). What cannot be freed (a
     * member down keeps its groups from pruning) stays, and writes are refused once room runs low.
     */
    private void reclaim(boolean force) {
        if (force) {
            // Forced tries come from every round and refused write while the log is short:
            // collecting the live records costs their number, so once per tick is enough.
            if (forcedRound == tickRound) {
                return;
            }
            forcedRound = tickRound;
        }
        List<WalRecord> live = new ArrayList<>();
        groups.values().forEach(g -> g.liveRecords(live));
        long liveBytes = bytes(live);
        long used = log.used();
        if (liveBytes >= used || liveBytes * 2 > used && !force) {
            nextReclaim = used + log.reclaimStep(log.halfSize() / 8);
            return;
        }
        try {
            log.rewrite(live);
            reclaims.incrementAndGet();
            nextReclaim = Math.max(log.reclaimStep(log.halfSize() / 2),
                    log.used() + log.reclaimStep(log.halfSize() / 4));
            LOG.debug("replication log rewritten: {} bytes in use of {} became {}", used, log.halfSize(), log.used());
        } catch (VolumeException e) {
            if (e.kind() == VolumeException.Kind.NO_SPACE) {
                nextReclaim = used + log.reclaimStep(log.halfSize() / 8);
            } else {
                stop("replication log rewrite failed: " + e.getMessage(), e);
            }
        }
    }

    private ChunkException stopped() {
        return new ChunkException(ChunkStatus.IO_ERROR, "replication on server " + self + " stopped: " + failure);
    }

    /** Stops replication on this server: every later request is refused until a restart recovers. */
    private void stop(String why, Throwable t) {
        if (failure == null) {
            failure = why;
            LOG.error("replication stopped, refusing requests until restart: {}", why, t);
        }
        ChunkException e = stopped();
        groups.values().forEach(g -> g.failAll(e));
        created.forEach(f -> f.completeExceptionally(e));
        created.clear();
    }

    @Override
    public String roleName() {
        return "pfs-replication";
    }
}
