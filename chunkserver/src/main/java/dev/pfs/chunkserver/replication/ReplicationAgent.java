package dev.pfs.chunkserver.replication;

import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.store.ChunkStore;
import dev.pfs.chunkserver.wal.WalRecord;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.parallelraft.Entry;
import dev.pfs.parallelraft.HardState;
import dev.pfs.parallelraft.Message;
import dev.pfs.parallelraft.MessageType;
import dev.pfs.parallelraft.RaftNode;
import dev.pfs.parallelraft.Ready;
import dev.pfs.parallelraft.RejectReason;
import dev.pfs.parallelraft.Role;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
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
     * 2 s and elections after 10-20 s while nothing happens, so idle groups cost little (a proposal
     * or an election message at a member turns its group busy at once).
     */
    static final int QUIET_EVERY = 20;
    /** How often a leader in place of a group's preferred leader tries to hand the group back. */
    static final long HAND_BACK_NANOS = 30_000_000_000L;
    /** Every this many ticks (one second) the leaders look for groups to hand back. */
    static final int HAND_BACK_EVERY = 20;
    /** A group stays busy this long after its last proposal, entry or election message. */
    static final long BUSY_NANOS = 2_000_000_000L;
    /**
     * Leader ticks without a word from a member after which, once the log runs short, its groups
     * prune past it (it gets a checkpoint when it returns): 1-2 busy election timeouts, 1 s.
     */
    static final int SILENT_TICKS = 20;
    /**
     * Rounds whose log writes may be in flight at once: enough to keep the disk's queue busy
     * while the next round gathers, as the store's pipelined group commit does.
     */
    static final int ROUNDS_IN_FLIGHT = 4;
    /**
     * Largest round written on the agent's thread when no other is in flight (saving a hand-off
     * to an I/O thread and back at QD1): a few 4 KB writes. A larger one, such as a 1 MB write's
     * entries, would hold every group of the server for milliseconds.
     */
    static final long INLINE_BYTES = 64 << 10;

    final Queue<AgentOp> queue = new ConcurrentLinkedQueue<>();
    private final int self;
    private final ReplicationLog log;
    private final ChunkStore store;
    private final PeerLinks links;
    private final MemberChange memberChanges;
    private final Map<Long, ReplicaGroup> groups = new LinkedHashMap<>();
    private final Set<ReplicaGroup> dirty = new LinkedHashSet<>();
    /** Groups whose applied entries still wait for store writes or a store checkpoint. */
    private final StoreCheckpoints storeCheckpoints;
    /** Groups whose parked checkpoint Ready is durable in the store: logged, sent and advanced next round. */
    private final List<ReplicaGroup> resumed = new ArrayList<>();
    /** Unparks the agent's thread after work was queued from another thread. */
    private final Runnable wake;
    private final EntryApplier applier;
    private final LogReclaimer reclaimer;
    private final CheckpointPieceWriter pieceWriter;
    /** Group creations taken since the last round, and their records: the next round logs them. */
    private final List<CompletableFuture<byte[]>> created = new ArrayList<>();
    private final List<WalRecord> records = new ArrayList<>();
    /** Rounds started and not finished, in log order. */
    private final ArrayDeque<LogRound> inFlight = new ArrayDeque<>();
    /** A round whose records did not fit: started once the rounds in flight finished and a rewrite ran. */
    private LogRound pending;
    private long nextTick = System.nanoTime();
    private long tickRound;
    private volatile String failure;
    /** What the agent counted, read by metrics. */
    final ReplicationCounters counters = new ReplicationCounters();
    private boolean loggedUnknown;
    private boolean loggedRefused;

    ReplicationAgent(int self, ReplicationLog log, ChunkStore store, PeerLinks links,
                     Map<Long, ReplicationLog.Recovered> recovered, Runnable wake) {
        this.self = self;
        this.wake = wake;
        this.log = log;
        this.store = store;
        this.links = links;
        this.reclaimer = new LogReclaimer(log);
        this.pieceWriter = new CheckpointPieceWriter(store);
        this.storeCheckpoints = new StoreCheckpoints(store);
        this.applier = new EntryApplier(store, (why, t) -> post(new AgentOp.Failed(why, t)));
        this.memberChanges = new MemberChange(self, links);
        links.onProven((peer, address) -> post(new AgentOp.PeerProven(peer, address)));
        recovered.forEach((id, r) -> {
            // The store holds the chunk durably at the compaction point (the group's checkpoint):
            // the node re-applies only the entries above it.
            RaftNode node = new RaftNode(RaftSettings.config(self, r.spec()), r.hard(), r.entries());
            ReplicaGroup g = new ReplicaGroup(r.spec(), node, self);
            g.hard = r.hard();
            g.durableTerm = r.hard().term();
            g.durableVote = r.hard().votedFor();
            r.entries().forEach(g::logged);
            g.recoveredFences(r.epoch(), r.generation());
            add(g);
        });
    }

    private void add(ReplicaGroup g) {
        streamFrom(g);
        groups.put(g.spec.chunkId(), g);
        counters.groupCount = groups.size();
        g.spec.members().forEach(links::learn);
        dirty.add(g);
    }

    /**
     * Logs the spec of every group whose membership change committed here; a server that was
     * removed stops serving the group (its chunk stays in the store until an operator deletes it:
     * a restart still recovers the group, as a non-voter that nobody sends to).
     */
    private void settleMembers() {
        List<ReplicaGroup> removed = new ArrayList<>();
        for (ReplicaGroup g : groups.values()) {
            // Not while a Ready of the group is in flight: a removed group must not come back through its finish.
            GroupSpec next = g.parked == null && g.inFlight == 0 ? memberChanges.settle(g) : null;
            if (next != null) {
                records.add(ReplicationLog.group(next));
                g.spec = next;
                next.members().forEach(links::learn);
                dirty.add(g);
                if (!g.node.members().contains(self)) {
                    removed.add(g);
                }
            }
        }
        for (ReplicaGroup g : removed) {
            LOG.info("group {}: server {} was removed from it ({}): it stops serving it", g.spec.chunkId(), self,
                    g.node.members());
            groups.remove(g.spec.chunkId());
            dirty.remove(g);
            storeCheckpoints.forget(g);
            g.failAll(new ChunkException(ChunkStatus.UNKNOWN_CHUNK, "chunk " + g.spec.chunkId()
                    + ": server " + self + " is no longer a member of its group"));
        }
    }

    /** Lets the group's node, when it leads, stream its checkpoint from the store. */
    private void streamFrom(ReplicaGroup g) {
        g.node.setCheckpointReader(new ChunkCheckpoint(store, g.spec.chunkId(), g.spec.size(),
                RaftSettings.config(self, g.spec).checkpointPiece(), g::originAt, g::epoch,
                g::generation, () -> post(new AgentOp.Wake(g))));
    }

    /** Queues {@code op} from any thread and wakes the agent. */
    private void post(AgentOp op) {
        queue.add(op);
        wake.run();
    }

    /** @return streamed checkpoint pieces written into the store */
    long checkpointPieces() {
        return pieceWriter.pieces.get();
    }

    /** @return rewrites of the log that reclaimed space */
    long reclaims() {
        return reclaimer.reclaims.get();
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
        if (!inFlight.isEmpty() && inFlight.peekFirst().written()) {
            return 0;
        }
        boolean mayRound = pending == null ? inFlight.size() < ROUNDS_IN_FLIGHT : inFlight.isEmpty();
        if (mayRound && (!dirty.isEmpty() || !resumed.isEmpty() || !created.isEmpty() || pending != null)) {
            return 0;
        }
        return groups.isEmpty() ? -1 : Math.max(0, nextTick - System.nanoTime());
    }

    @Override
    public int doWork() {
        int work = 0;
        for (AgentOp op; (op = queue.poll()) != null; ) {
            work++;
            handle(op);
        }
        finishLogged();
        long now = System.nanoTime();
        if (!groups.isEmpty() && now - nextTick >= 0) {
            nextTick = now + TICK_NANOS;
            tickRound++;
            for (ReplicaGroup g : groups.values()) {
                // A group whose checkpoint Ready waits for the store does not tick: it hears
                // nothing from its leader meanwhile (messages are held), so it must not campaign.
                if (g.parked == null && (g.busy(now) || tickRound % QUIET_EVERY == 0)) {
                    g.node.tick();
                    dirty.add(g);
                }
                if (tickRound % HAND_BACK_EVERY == 0 && g.handBack(now)) {
                    counters.handedBack.incrementAndGet();
                    dirty.add(g);
                }
            }
            settleMembers();
            links.maintain();
            if (log.room() < 2 * reclaimer.reserve()) {
                releaseSilent();
            }
            checkpoints();
            checkpointStore(now, false);
            if (reclaimer.roomShort()) {
                reclaim(true);
            }
            work++;
        }
        if (failure == null && (!dirty.isEmpty() || !created.isEmpty() || !resumed.isEmpty() || !records.isEmpty()
                || pending != null)) {
            work += round();
        }
        if (failure == null) {
            memberChanges.poll();
        } else {
            memberChanges.failAll(stopped());
        }
        return work;
    }

    private void handle(AgentOp op) {
        if (failure != null) {
            if (op instanceof AgentOp.Create c) {
                c.future().completeExceptionally(stopped());
            } else if (op instanceof AgentOp.Propose p) {
                p.future().completeExceptionally(stopped());
            } else if (op instanceof AgentOp.ChangeMembers m) {
                m.future().completeExceptionally(stopped());
            }
            return;
        }
        switch (op) {
            case AgentOp.Logged l -> {
            }
            case AgentOp.StoreCheckpointed k -> {
                storeCheckpoints.finished();
                if (k.error() != null) {
                    stop("store checkpoint failed: " + VolumeException.unwrap(k.error()).getMessage(), k.error());
                } else {
                    checkpoints();
                }
            }
            case AgentOp.Failed f -> stop(f.why(), f.cause());
            case AgentOp.PeerProven p -> moved(p.peer(), p.address());
            case AgentOp.Create c -> create(c);
            case AgentOp.ChangeMembers m -> {
                ReplicaGroup g = groups.get(m.next().chunkId());
                if (g == null) {
                    m.future().completeExceptionally(new ChunkException(ChunkStatus.UNKNOWN_CHUNK, "chunk "
                            + m.next().chunkId() + " has no replication group on server " + self));
                } else {
                    memberChanges.start(g, m.next(), m.future());
                    g.touch(System.nanoTime());
                    dirty.add(g);
                }
            }
            case AgentOp.Wake w -> {
                if (groups.get(w.group().spec.chunkId()) == w.group()) {
                    dirty.add(w.group());
                }
            }
            case AgentOp.Resume r -> {
                if (r.failure() != null) {
                    stop("chunk " + r.group().spec.chunkId() + ": writing a streamed checkpoint failed: "
                            + VolumeException.unwrap(r.failure()).getMessage(), r.failure());
                } else {
                    resumed.add(r.group());
                }
            }
            case AgentOp.Propose p -> {
                ReplicaGroup g = groups.get(p.chunkId());
                if (g == null) {
                    p.future().completeExceptionally(new ChunkException(ChunkStatus.UNKNOWN_CHUNK, "chunk "
                            + p.chunkId() + " has no replication group on server " + self));
                } else if (p.command().kind() != Command.Kind.READ && reclaimer.roomShort() && !reclaimed()) {
                    counters.refusedFull.incrementAndGet();
                    p.future().completeExceptionally(new ChunkException(ChunkStatus.NO_SPACE, "chunk " + p.chunkId()
                            + ": the replication log of server " + self + " is full (" + log.room() + " of "
                            + log.halfSize() + " bytes left): its space returns as every member of its groups "
                            + "applies and checkpoints; a member that lags holds it"));
                } else {
                    g.propose(p.command(), p.entry(), p.future());
                    g.touch(System.nanoTime());
                    dirty.add(g);
                }
            }
            case AgentOp.Inbound in -> {
                ReplicaGroup g = groups.get(in.group());
                if (g == null) {
                    counters.unknownGroup.addAndGet(in.messages().size());
                    if (!loggedUnknown) {
                        loggedUnknown = true;
                        LOG.warn("messages for group {}, unknown on server {}: refused and counted; further ones "
                                + "are not logged", in.group(), self);
                    }
                    return;
                }
                if (in.incarnation() != 0 && !in.messages().isEmpty() && g.rejoined(in.messages().getFirst().from(),
                        in.incarnation())) {
                    counters.forgotten.incrementAndGet();
                    LOG.debug("group {}: server {} holds nothing committed of it, unlike what it acknowledged: "
                            + "its acknowledgements are forgotten and it is caught up afresh", g.spec.chunkId(),
                            in.messages().getFirst().from());
                }
                if (g.parked != null) {
                    g.held.addAll(in.messages());
                    return;
                }
                step(g, in.messages());
            }
        }
    }

    /** Feeds a peer's messages to the group's node, refusing (and counting) what it refuses. */
    private void step(ReplicaGroup g, List<Message> messages) {
        for (Message m : messages) {
            if (m.type() != MessageType.HEARTBEAT && m.type() != MessageType.HEARTBEAT_RESP) {
                g.touch(System.nanoTime());
            }
            // The library hears a leader's messages from anyone (a member joining may not
            // know its leader yet); a server that is not a member itself is joining and hears
            // anyone too, members refuse strangers.
            RejectReason r = g.node.members().contains(m.from()) || !g.node.members().contains(self)
                    ? g.node.step(m) : RejectReason.UNKNOWN_NODE;
            if (r != RejectReason.NONE && r != RejectReason.DUPLICATE && r != RejectReason.BUSY) {
                counters.refused.incrementAndGet();
                if (!loggedRefused) {
                    loggedRefused = true;
                    LOG.info("group {}: refused {} ({}); further refusals are counted, not logged",
                            g.spec.chunkId(), m, r);
                }
            }
        }
        dirty.add(g);
    }

    /**
     * Peer {@code peer} proved it serves at {@code address}: every group that names another
     * address for it logs its spec anew, so that a restart dials it there at once rather than
     * waiting for a client or a membership change to name the address again.
     */
    private void moved(int peer, InetSocketAddress address) {
        List<Long> relogged = new ArrayList<>();
        for (ReplicaGroup g : groups.values()) {
            InetSocketAddress logged = g.spec.members().get(peer);
            if (logged != null && !PeerAddresses.same(logged, address)) {
                Map<Integer, InetSocketAddress> members = new LinkedHashMap<>(g.spec.members());
                members.put(peer, InetSocketAddress.createUnresolved(address.getHostString(), address.getPort()));
                GroupSpec next = new GroupSpec(g.spec.chunkId(), g.spec.size(), members, g.spec.mode(),
                        g.spec.joining());
                records.add(ReplicationLog.group(next));
                g.spec = next;
                relogged.add(next.chunkId());
            }
        }
        if (!relogged.isEmpty()) {
            LOG.info("server {} now answers at {}: the groups {} log it there", peer, address, relogged);
        }
    }

    private void create(AgentOp.Create c) {
        ReplicaGroup existing = groups.get(c.spec().chunkId());
        if (existing != null) {
            if (existing.isCreatedAs(c.spec())) {
                // The client's placement may know where a member moved: tried while it has no link.
                c.spec().members().forEach(links::learn);
                c.future().complete(null);
            } else {
                c.future().completeExceptionally(new ChunkException(ChunkStatus.EXISTS, "chunk " + c.spec().chunkId()
                        + " already has a group of other members, size or mode on server " + self));
            }
            return;
        }
        if (!c.spec().members().containsKey(self)) {
            c.future().completeExceptionally(new ChunkException(ChunkStatus.MALFORMED, "server " + self
                    + " is not among the members " + c.spec().ids() + " of chunk " + c.spec().chunkId()));
            return;
        }
        if (!c.founding() && !c.spec().joining()) {
            // A member that does not hold its group lost it (a wiped data directory) or never got
            // it: founded afresh it would vote with an empty log for a server lacking writes it
            // had acknowledged. It comes back as a new member: removed, then added.
            c.future().completeExceptionally(new ChunkException(ChunkStatus.UNKNOWN_CHUNK, "server " + self
                    + " does not hold chunk " + c.spec().chunkId() + "'s group (its data may have been wiped):"
                    + " remove it from the chunk's replicas and add it again (pfs chunk remove-replica,"
                    + " add-replica)"));
            return;
        }
        try {
            VolumeException.await(store.create(c.spec().chunkId(), c.spec().size()).exceptionallyCompose(t -> {
                Throwable cause = t instanceof CompletionException && t.getCause() != null
                        ? t.getCause() : t;
                return cause instanceof ChunkException e && e.status() == ChunkStatus.EXISTS
                        ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(cause);
            }));
        } catch (VolumeException e) {
            c.future().completeExceptionally(new ChunkException(ChunkStatus.IO_ERROR, "chunk " + c.spec().chunkId()
                    + ": cannot create it in the store: " + e.getMessage(), e));
            return;
        }
        records.add(ReplicationLog.group(c.spec()));
        add(new ReplicaGroup(c.spec(), new RaftNode(RaftSettings.config(self, c.spec())), self));
        created.add(c.future());
    }

    /**
     * One round: a Ready from each group with work, their records logged together in one group
     * commit; then the committed entries applied and the writes that committed acknowledged
     * (neither waits for this round's log write: committed entries are durable on a majority,
     * and a leader counts itself only for entries it confirmed through {@code advance}); once
     * the write is durable, {@link #finish} sends the messages and advances. Up to
     * {@link #ROUNDS_IN_FLIGHT} rounds are in flight, so other groups' Readies are logged while
     * one group's are still being written; a group takes its next Ready once its last one
     * finished. A Ready carrying checkpoint pieces is parked until the store holds them
     * ({@link #park}), and joins a later round ({@link #resumed}).
     */
    private int round() {
        if (pending != null) {
            // A round whose records did not fit waits for the rounds in flight, then a rewrite.
            if (!inFlight.isEmpty()) {
                return 0;
            }
            LogRound r = pending;
            pending = null;
            return launch(r);
        }
        if (inFlight.size() >= ROUNDS_IN_FLIGHT) {
            return 0;
        }
        LogRound r = new LogRound();
        // Creations first: a group's record precedes its entries.
        r.records.addAll(records);
        records.clear();
        r.created.addAll(created);
        created.clear();
        for (ReplicaGroup g : resumed) {
            Ready rd = g.parked;
            if (take(g, rd, r.records)) {
                r.add(g, rd);
            }
        }
        resumed.clear();
        for (ReplicaGroup g : dirty) {
            // One Ready per group at a time: its next is taken once this one finished (which
            // marks the group dirty again), the simplest use of the Ready contract.
            if (g.parked != null || g.inFlight > 0) {
                continue;
            }
            Ready rd = g.node.ready();
            if (rd.isEmpty()) {
                g.settle();
                continue;
            }
            if (!rd.checkpointPieces().isEmpty() || rd.installCheckpoint() >= 0) {
                park(g, rd);
                continue;
            }
            if (sendsBeforeLogging(g, rd)) {
                send(g, rd.messages());
                r.early.add(g);
            }
            if (take(g, rd, r.records)) {
                r.add(g, rd);
            }
        }
        dirty.clear();
        if (!r.early.isEmpty()) {
            // The followers write these entries while this server writes them too.
            links.flush();
        }
        if (failure != null) {
            return 1;
        }
        if (r.isEmpty()) {
            return 0;
        }
        return launch(r);
    }

    /** Starts round {@code r}'s log write, applies its committed entries and answers what committed. */
    private int launch(LogRound r) {
        long bytes = LogReclaimer.bytes(r.records);
        if (!r.records.isEmpty()) {
            boolean tight = reclaimer.tight(bytes);
            if (tight || reclaimer.due()) {
                if (!inFlight.isEmpty()) {
                    if (tight) {
                        pending = r;
                        return 1;
                    }
                } else {
                    reclaim(tight);
                }
            }
        }
        // Before the log write starts: a small round started with none in flight writes inline, and
        // what it answers (committed, so durable on a majority) must not wait for that write.
        applyAndAnswer(r);
        if (!r.records.isEmpty()) {
            try {
                r.started = System.nanoTime();
                boolean inline = inFlight.isEmpty() && bytes <= INLINE_BYTES;
                ReplicationLog.Started s = log.start(r.records, inline);
                counters.logWrites.addAndGet(s.frames());
                r.durable = s.durable();
                r.durable.whenComplete((v, t) -> post(AgentOp.LOGGED));
            } catch (VolumeException | RuntimeException e) {
                stop("replication log write failed: " + e.getMessage(), e);
                return 1;
            }
        }
        inFlight.add(r);
        finishLogged();
        return r.groups.size() + 1;
    }

    /** Applies round {@code r}'s committed entries and answers the writes that committed. */
    private void applyAndAnswer(LogRound r) {
        for (int i = 0; i < r.groups.size(); i++) {
            ReplicaGroup g = r.groups.get(i);
            Ready rd = r.readies.get(i);
            g.inFlight++;
            for (Entry e : rd.toApply()) {
                applier.apply(g, e);
            }
            if (!rd.toApply().isEmpty()) {
                g.applied(applier.takeWrites(), store::inPlaceWrites);
                storeCheckpoints.applying(g);
            }
            g.settle();
        }
    }

    /** Finishes, in the order they started, the rounds at the head whose log writes are done. */
    private void finishLogged() {
        while (!inFlight.isEmpty() && inFlight.peekFirst().written() && failure == null) {
            finish(inFlight.removeFirst());
        }
    }

    /** Round {@code r} and every earlier one are durable: its messages leave and its Readies advance. */
    private void finish(LogRound r) {
        if (r.durable != null && r.durable.isCompletedExceptionally()) {
            Throwable t = r.durable.exceptionNow();
            stop("replication log " + (r.rewrite ? "rewrite" : "write") + " failed: "
                    + VolumeException.unwrap(t).getMessage(), t);
            return;
        }
        if (r.durable != null && !r.rewrite) {
            counters.logWriteNanos.addAndGet(System.nanoTime() - r.started);
        }
        r.created.forEach(f -> f.complete(null));
        for (int i = 0; i < r.groups.size(); i++) {
            ReplicaGroup g = r.groups.get(i);
            Ready rd = r.readies.get(i);
            if (!r.early.contains(g)) {
                send(g, rd.messages());
            }
            g.inFlight--;
            if (rd.hardState() != null) {
                g.durableTerm = rd.hardState().term();
                g.durableVote = rd.hardState().votedFor();
            }
            g.node.advance(rd);
            if (rd == g.parked) {
                unpark(g, rd);
            }
            g.settle();
            noteRole(g);
            dirty.add(g);
        }
        links.flush();
        counters.readies.addAndGet(r.groups.size());
    }

    /** Counts a group whose node became leader here, and keeps the count of groups led. */
    private void noteRole(ReplicaGroup g) {
        boolean now = g.node.role() == Role.LEADER;
        if (now != g.led) {
            g.led = now;
            counters.leading += now ? 1 : -1;
            if (now) {
                counters.leaderChanges.incrementAndGet();
            }
        }
    }


    /**
     * Whether a leader's Ready may send its messages before its own writes are durable: the
     * leader writing its log in parallel with the followers (Raft thesis, section 10.2.1), which
     * takes one FUA write off every commit's path. Safe because the node counts itself only for
     * entries confirmed through {@code advance}, so a commit still needs a majority that holds the
     * entry durably, and because the messages (entries and heartbeats with commit information)
     * depend on nothing in the Ready but those entries: they go early only when the Ready neither
     * truncates nor changes the durable term or vote, and carries nothing but APPENDs and
     * HEARTBEATs (any other message keeps the Ready's order: after its writes).
     */
    private static boolean sendsBeforeLogging(ReplicaGroup g, Ready rd) {
        if (g.node.role() != Role.LEADER || rd.truncateAfter() >= 0 || rd.messages().isEmpty()) {
            return false;
        }
        // The term and vote in force, this Ready's or the last one taken, must be durable already:
        // a Ready in flight may still be writing a new one.
        HardState current = rd.hardState() != null ? rd.hardState() : g.hard;
        if (current.term() != g.durableTerm || current.votedFor() != g.durableVote) {
            return false;
        }
        for (Message m : rd.messages()) {
            if (m.type() != MessageType.APPEND && m.type() != MessageType.HEARTBEAT) {
                return false;
            }
        }
        return true;
    }

    /** Adds what Ready {@code rd} of {@code g} logs to this round's frame. @return false if replication stopped */
    private boolean take(ReplicaGroup g, Ready rd, List<WalRecord> records) {
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
        HardState hard = rd.hardState();
        if (rd.installCheckpoint() >= 0) {
            ChunkCheckpoint.Header h = g.streamed(rd.installCheckpoint());
            if (hard == null || h == null) {
                stop("group " + group + ": checkpoint " + rd.installCheckpoint() + " installed without "
                        + (hard == null ? "a hard state naming it" : "its header"), null);
                return false;
            }
            // The library knows nothing of the proposals a streamed checkpoint covers; the leader's
            // header names the highest origin among them, which the merge's deposed-tail rule needs.
            hard = new HardState(hard.term(), hard.votedFor(), hard.commit(), hard.compactIndex(), hard.compactTerm(),
                    hard.members(), Math.max(hard.compactOrigin(), h.origin()));
            // The header's writer epoch and try generation cover entries this server never logs:
            // they go in with the install.
            records.add(ReplicationLog.fences(group, Math.max(g.epoch(), h.epoch()),
                    Math.max(g.generation(), h.generation())));
        }
        if (hard != null) {
            if (hard.compactIndex() > g.hard.compactIndex()) {
                counters.pruned.incrementAndGet();
            }
            records.add(ReplicationLog.hardState(group, hard));
            g.hard = hard;
        }
        return true;
    }

    /**
     * Writes a Ready's checkpoint pieces into the group's chunk in the store and holds the Ready
     * until they are durable: its answers (CHECKPOINT_RESP), and the hard state naming an
     * installed checkpoint, may leave or be logged only then. The agent goes on with the other
     * groups meanwhile; this one takes no further Ready and holds its messages.
     */
    private void park(ReplicaGroup g, Ready rd) {
        g.parked = rd;
        LOG.debug("group {}: {} checkpoint pieces, install {}", g.spec.chunkId(), rd.checkpointPieces().size(),
                rd.installCheckpoint());
        CompletableFuture<Void> writes;
        try {
            writes = pieceWriter.write(g, rd);
        } catch (IllegalArgumentException e) {
            stop(e.getMessage(), null);
            return;
        }
        writes.whenComplete((v, t) -> post(new AgentOp.Resume(g, t)));
    }

    /**
     * After a parked Ready was logged, sent and advanced: once it installed a checkpoint, the node
     * is rebuilt from the log as a restart would (the checkpoint's compaction origin, which the
     * library's install does not take, is then the node's own); then the held messages are stepped.
     */
    private void unpark(ReplicaGroup g, Ready rd) {
        g.parked = null;
        long index = rd.installCheckpoint();
        if (index >= 0) {
            g.installed(new RaftNode(RaftSettings.config(self, g.spec), g.hard, g.logEntries()), index);
            streamFrom(g);
            counters.checkpointsInstalled.incrementAndGet();
            LOG.info("group {}: installed checkpoint {} streamed by server {}", g.spec.chunkId(), index,
                    rd.messages().isEmpty() ? 0 : rd.messages().getFirst().to());
        }
        List<Message> held = List.copyOf(g.held);
        g.held.clear();
        if (!held.isEmpty()) {
            step(g, held);
        }
    }

    private void send(ReplicaGroup g, List<Message> messages) {
        if (messages.isEmpty()) {
            return;
        }
        Map<Integer, List<Message>> byPeer = new HashMap<>();
        for (Message m : messages) {
            byPeer.computeIfAbsent(m.to(), k -> new ArrayList<>()).add(m);
        }
        long incarnation = g.incarnation();
        byPeer.forEach((peer, ms) -> links.send(peer, g.spec.chunkId(), incarnation, ms));
    }

    /** Passes the store's durable applied prefixes to the nodes as checkpoints; those that moved prune. */
    private void checkpoints() {
        storeCheckpoints.take(dirty::add);
    }

    /**
     * Asks the store for a checkpoint when applied writes wait only for one ({@link
     * StoreCheckpoints#ask}), sooner when {@code urgent} or the log runs short of room; its
     * completion takes the checkpoints it made.
     */
    private void checkpointStore(long now, boolean urgent) {
        boolean soon = urgent || log.room() < 2 * reclaimer.reserve() || reclaimer.due();
        CompletableFuture<Void> asked = storeCheckpoints.ask(now, soon);
        if (asked != null) {
            asked.whenComplete((v, t) -> post(new AgentOp.StoreCheckpointed(t)));
        }
    }

    /**
     * The log is short of room: every group this server leads stops keeping entries for members
     * silent for {@link #SILENT_TICKS}, so it prunes past them and streams them a checkpoint when
     * they return, instead of refusing writes until they do.
     */
    private void releaseSilent() {
        int all = 0;
        for (ReplicaGroup g : groups.values()) {
            int n = g.node.releaseSilentMembers(SILENT_TICKS);
            if (n > 0) {
                all += n;
                dirty.add(g);
            }
        }
        if (all > 0) {
            counters.released.addAndGet(all);
            LOG.info("the replication log of server {} is short of room ({} of {} bytes left): its groups prune "
                    + "past {} silent member(s), which catch up from a checkpoint when they return", self,
                    log.room(), log.halfSize(), all);
        }
    }

    /** @return whether a rewrite of the log (taken now if it frees anything) leaves more than the reserve */
    private boolean reclaimed() {
        checkpoints();
        checkpointStore(System.nanoTime(), true);
        reclaim(true);
        return !reclaimer.roomShort();
    }

    /**
     * Starts a rewrite of the log to reclaim space ({@link LogReclaimer}) unless a log write is in
     * flight: a rewrite continues the log in the other half, so no frame may still be on its way
     * to this one. The rewrite goes in flight as a round of its own, with no Readies: rounds
     * started after it write behind it in the new half, and none finishes before it is durable
     * (recovery reads the old half until then), while the agent goes on handling messages,
     * proposals and committed entries instead of waiting for megabytes of writes.
     */
    private void reclaim(boolean force) {
        if (!inFlight.isEmpty()) {
            return;
        }
        CompletableFuture<Void> rewrite = reclaimer.reclaim(force, tickRound,
                live -> groups.values().forEach(g -> g.liveRecords(live)));
        if (rewrite != null) {
            LogRound r = new LogRound();
            r.rewrite = true;
            r.started = System.nanoTime();
            r.durable = rewrite;
            r.durable.whenComplete((v, t) -> post(AgentOp.LOGGED));
            inFlight.add(r);
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
        inFlight.forEach(r -> r.created.forEach(f -> f.completeExceptionally(e)));
        if (pending != null) {
            pending.created.forEach(f -> f.completeExceptionally(e));
        }
    }

    @Override
    public String roleName() {
        return "pfs-replication";
    }
}
