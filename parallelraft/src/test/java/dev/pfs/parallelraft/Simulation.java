package dev.pfs.parallelraft;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.IntPredicate;

/**
 * Deterministic simulation of a group on simulated time. One seed drives everything: message
 * delay (Pareto), reordering, loss, duplication, partitions (symmetric and one-way), crashes that
 * lose what was not persisted, restarts, leadership transfers, membership changes (a member
 * removed, a spare with an empty disk added and caught up from a streamed checkpoint) and the
 * client load. The checkers of {@link SimChecker} run after every event.
 */
final class Simulation {

    static final long TICK = 1_000;
    /** Writes a node's disk runs at once (I/O queue depth). */
    static final int DISK_QUEUE = 16;
    /**
     * Pareto latency of one Ready's write: tail index and cap (microseconds); the scale is half the
     * message delay's (median = scale * 2^(1/alpha)): 20 us in the bench, 100 us in the chaos test,
     * where slower writes give a crash more writes in flight to lose.
     */
    static final double DISK_ALPHA = 1.5;
    static final double DISK_CAP = 2_000;
    /** Servers with empty disks that membership changes may add. */
    static final int SPARES = 3;

    private record Event(long time, long seq, Runnable action) {
    }

    private record Dropped(Message m) {
    }

    private record Proposal(int node, long index, long term) {
    }

    final long seed;
    final SimOptions opt;
    final Random rnd;
    final SimReplica[] replicas;
    final SimTrace trace = new SimTrace(80);
    final SimChecker checker;
    private final PriorityQueue<Event> queue = new PriorityQueue<>(
            (a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
    private long seq;
    long now;
    private boolean chaos = true;
    private final boolean[][] blocked;
    private double loss;
    private double dup;
    private long nextDataId = 1;

    /** Client writes waiting for their entry to be applied at the node that took them. */
    private final Map<Proposal, long[]> pending = new HashMap<>();
    final List<Long> latencies = new ArrayList<>();
    long acked;
    /** Writes each node's disk runs at once; the bench sets 1 for a serial-disk reference run. */
    int diskQueue = DISK_QUEUE;
    /** APPEND messages sent and the entries they carried. */
    long appends;
    long appendedEntries;
    /** Messages sent other than heartbeats and their answers. */
    long messages;
    /** Messages sent other than heartbeats and their answers from healing to convergence. */
    long healMessages;
    /**
     * Bound on the messages (heartbeats aside) per member for one write after healing, and twice
     * it per member and entry of the log while catching up after healing. Seen: at most 3 and 3.4;
     * a storm of retransmissions goes far beyond.
     */
    static final int MESSAGES_PER_WRITE = 8;
    /** After healing, a write must commit within this much simulated time. */
    static final long LIVE_WRITE_MICROS = 500_000;

    Simulation(long seed, SimOptions opt) {
        this.seed = seed;
        this.opt = opt;
        this.rnd = new Random(seed);
        List<Integer> ids = new ArrayList<>();
        for (int i = 1; i <= opt.nodes(); i++) {
            ids.add(i);
        }
        RaftConfig base = RaftConfig.defaults(1, ids).withMode(opt.mode()).withLbaCount(opt.lbaCount());
        if (opt.naiveMerge()) {
            base = base.withNaiveMerge();
        }
        base = opt.faults() ? randomConfig(base, rnd) : base.withCheckpointPiece(64);
        int total = opt.nodes() + (opt.faults() ? SPARES : 0);
        replicas = new SimReplica[total + 1];
        for (int i = 1; i <= total; i++) {
            RaftConfig c = i <= opt.nodes() ? base.withId(i, seed * 31 + i)
                    : base.withVoters(List.of()).withId(i, seed * 31 + i);
            replicas[i] = new SimReplica(c);
            replicas[i].started = i <= opt.nodes();
            replicas[i].up = i <= opt.nodes();
        }
        blocked = new boolean[total + 1][total + 1];
        checker = new SimChecker(this);
    }

    /**
     * Settings drawn over their valid range (the chaos runs): look-behind 0..8, pipelining window
     * and batch 1..64 (half the time 1..4, where windows and batches are tightest), pre-vote and
     * check-quorum on or off, checkpoint pieces of 64..256 bytes.
     */
    static RaftConfig randomConfig(RaftConfig c, Random rnd) {
        int inflight = rnd.nextBoolean() ? 1 + rnd.nextInt(4) : 1 + rnd.nextInt(64);
        int batch = rnd.nextBoolean() ? 1 + rnd.nextInt(4) : 1 + rnd.nextInt(64);
        return new RaftConfig(c.id(), c.voters(), c.mode(), rnd.nextInt(9), c.electionTicks(), c.heartbeatTicks(),
                inflight, batch, rnd.nextBoolean(), rnd.nextBoolean(), c.lbaCount(), c.randomSeed(), c.naiveMerge(),
                64 + rnd.nextInt(193));
    }

    /** Runs the chaos phase, heals, runs to quiescence and checks the end state. */
    void run() {
        try {
            for (int i = 1; i < replicas.length; i++) {
                int id = i;
                at(rnd.nextInt((int) TICK), () -> tick(id));
            }
            for (int c = 0; c < opt.iodepth(); c++) {
                at(rnd.nextInt(20_000) + 1, this::clientWrite);
            }
            if (opt.faults()) {
                loss = rnd.nextDouble() * 0.05;
                dup = rnd.nextDouble() * 0.03;
                at(5_000 + rnd.nextInt(50_000), this::fault);
            }
            at(opt.chaosMicros(), this::heal);
            long deadline = opt.chaosMicros() + 20_000_000;
            while (!queue.isEmpty() && now < deadline) {
                Event e = queue.poll();
                now = e.time;
                e.action.run();
                checker.afterEvent();
                if (!chaos && now % 10_000 < 1_000) {
                    stopRemoved(id -> checker.removed(id, id <= opt.nodes()));
                    if (now >= opt.chaosMicros() + 50_000 && checker.converged()) {
                        break;
                    }
                }
            }
            healMessages += messages;
            if (!checker.converged()) {
                throw new SimFailure("no convergence " + (now - opt.chaosMicros()) / 1000 + " ms after healing: "
                        + describe());
            }
            checker.finalChecks();
            if (opt.faults()) {
                liveWrite();
            }
        } catch (SimFailure | RuntimeException f) {
            throw new SimFailure("seed " + seed + " " + opt + " " + replicas[1].cfg + ": " + f.getMessage()
                    + "\nnodes: " + describe()
                    + "\nlast events:\n" + trace.render());
        }
    }

    String describe() {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i < replicas.length; i++) {
            if (replicas[i].started) {
                b.append("\n  ").append(replicas[i].up ? replicas[i].node + " members " + replicas[i].node.members()
                        : "node " + i + " down");
            }
        }
        return b.toString();
    }

    void at(long time, Runnable action) {
        queue.add(new Event(time, seq++, action));
    }

    // ---- nodes -------------------------------------------------------------------------------

    private void tick(int id) {
        SimReplica r = replicas[id];
        if (r.up) {
            r.node.tick();
            pump(r);
        }
        at(now + TICK, () -> tick(id));
    }

    /**
     * Takes Readies while the node's disk has a free slot (so a busy disk makes later Readies
     * bigger), even while one that runs alone waits or is written (later ones queue behind it),
     * and starts every write {@link Ready}'s rules allow; a Ready with nothing to write completes
     * at once. Committed entries are applied in Ready order, each Ready's at once unless an
     * earlier one's wait; a Ready that runs alone applies after it landed (an installed checkpoint
     * replaces the applied state).
     */
    void pump(SimReplica r) {
        while (r.up && r.outstanding.size() < diskQueue) {
            Ready rd = r.node.ready();
            if (rd.isEmpty()) {
                break;
            }
            SimReplica.Outstanding o = new SimReplica.Outstanding(rd, ++r.readySeq);
            r.applyQueue.add(o);
            if (rd.entries().isEmpty() && rd.hardState() == null && !o.barrier) {
                landed(r, o);
            } else {
                r.outstanding.add(o);
            }
            startWrites(r);
            applyInOrder(r);
        }
        if (r.up) {
            acknowledgeCommitted(r);
            r.maybeCheckpoint();
        }
    }

    /** Applies the committed entries of Readies in Ready order, as far as each may be applied now. */
    private void applyInOrder(SimReplica r) {
        while (!r.applyQueue.isEmpty()) {
            SimReplica.Outstanding o = r.applyQueue.getFirst();
            if (o.barrier && r.outstanding.contains(o)) {
                return;
            }
            r.applyQueue.removeFirst();
            for (Entry e : o.rd.toApply()) {
                checker.applied(r, e);
                r.applied(e);
            }
        }
    }

    private void startWrites(SimReplica r) {
        for (SimReplica.Outstanding o : List.copyOf(r.outstanding)) {
            if (!o.writing && r.mayStart(o)) {
                o.writing = true;
                int inc = r.incarnation;
                at(now + diskLatency(), () -> {
                    if (r.incarnation != inc || !r.up) {
                        return;
                    }
                    r.outstanding.remove(o);
                    landed(r, o);
                    applyInOrder(r);
                    startWrites(r);
                    pump(r);
                });
            }
        }
    }

    /** A Ready's writes are durable: they survive a crash, its messages leave, the node hears of it. */
    private void landed(SimReplica r, SimReplica.Outstanding o) {
        r.persist(o.rd, o.seq);
        for (Message m : o.rd.messages()) {
            checker.promiseDurable(r, m);
            send(m);
        }
        r.node.advance(o.rd);
    }

    long diskLatency() {
        double u = 1 - rnd.nextDouble();
        return (long) Math.min(diskScale(opt) / Math.pow(u, 1 / DISK_ALPHA), DISK_CAP);
    }

    /** @return the scale of the disk latency distribution, microseconds */
    static double diskScale(SimOptions opt) {
        return opt.delayScale() / 2.0;
    }

    /** A write is acknowledged once the node that took it knows it committed (out-of-order commit). */
    private void acknowledgeCommitted(SimReplica r) {
        var it = pending.entrySet().iterator();
        while (it.hasNext()) {
            var p = it.next();
            Proposal k = p.getKey();
            if (k.node() == r.id && r.node.committedAs(k.index(), k.term())) {
                it.remove();
                acked++;
                latencies.add(now - p.getValue()[1]);
                checker.acknowledged(p.getValue()[0], r.node.entry(k.index()));
                at(now + 1, this::clientWrite);
            }
        }
    }

    // ---- network -----------------------------------------------------------------------------

    private void send(Message m) {
        if (m.type() != MessageType.HEARTBEAT && m.type() != MessageType.HEARTBEAT_RESP) {
            messages++;
        }
        if (m.type() == MessageType.APPEND) {
            appends++;
            appendedEntries += m.entries().size();
        }
        if (blocked[m.from()][m.to()] || rnd.nextDouble() < loss) {
            trace.add(now, new Dropped(m));
            return;
        }
        int copies = rnd.nextDouble() < dup ? 2 : 1;
        for (int c = 0; c < copies; c++) {
            at(now + delay(), () -> deliver(m));
        }
    }

    long delay() {
        double u = 1 - rnd.nextDouble();
        double d = opt.delayScale() / Math.pow(u, 1 / opt.paretoAlpha());
        return (long) Math.min(d, 100_000);
    }

    private void deliver(Message m) {
        SimReplica r = replicas[m.to()];
        if (!r.up || blocked[m.from()][m.to()]) {
            return;
        }
        trace.add(now, m);
        r.node.step(m);
        pump(r);
    }

    // ---- client ------------------------------------------------------------------------------

    /**
     * Liveness after healing: one more write commits at the serving leader within
     * {@link #LIVE_WRITE_MICROS}, and neither it nor the catching up before it takes more than
     * {@link #MESSAGES_PER_WRITE} allows (no storm of retransmissions).
     */
    private void liveWrite() {
        SimReplica l = servingLeader();
        stopRemoved(id -> !l.node.members().contains(id));
        long before = messages;
        long start = now;
        ProposeResult pr = l.node.propose(List.of(new LbaRange(0, 1)), ByteBuffer.allocate(8).putLong(0).array());
        if (!pr.accepted()) {
            throw new SimFailure("the leader after healing refuses a write: " + pr.reason());
        }
        pump(l);
        while (!queue.isEmpty() && now < start + LIVE_WRITE_MICROS && !l.node.committedAs(pr.index(), pr.term())) {
            Event e = queue.poll();
            now = e.time;
            e.action.run();
            checker.afterEvent();
        }
        if (!l.node.committedAs(pr.index(), pr.term())) {
            throw new SimFailure("a write after healing did not commit in " + LIVE_WRITE_MICROS / 1000 + " ms");
        }
        int members = l.node.members().size();
        if (messages - before > MESSAGES_PER_WRITE * members) {
            throw new SimFailure("a write after healing took " + (messages - before) + " messages");
        }
        if (healMessages > 2 * MESSAGES_PER_WRITE * members * (l.node.lastIndex() + 16)) {
            throw new SimFailure("catching up " + l.node.lastIndex() + " entries after healing took " + healMessages
                    + " messages");
        }
    }

    /**
     * An operator shuts a server down once its removal has committed, and its messages still on the
     * way are lost. Without pre-vote and check-quorum, one that never learnt of its removal (the
     * leader stops sending to it) calls an election every timeout with a higher term; every member
     * must adopt that term, so the leader steps down each time and a new member's checkpoint,
     * restarted by each new leader, may never finish: Raft does not promise to survive that, so the
     * simulation must not wait for convergence with such a server running. A spare whose addition
     * has not committed is not removed: it may still become a member.
     */
    private void stopRemoved(IntPredicate removed) {
        for (int i = 1; i < replicas.length; i++) {
            if (replicas[i].up && removed.test(i)) {
                trace.add(now, "STOP removed " + i);
                replicas[i].crash(rnd);
                java.util.Arrays.fill(blocked[i], true);
            }
        }
    }

    private void clientWrite() {
        if (!chaos) {
            return;
        }
        SimReplica l = servingLeader();
        if (l == null) {
            at(now + 2_000, this::clientWrite);
            return;
        }
        long len = 1 + rnd.nextInt(opt.maxBlocks());
        long start = (long) (rnd.nextDouble() * (opt.lbaCount() - len + 1));
        long id = nextDataId++;
        ProposeResult pr = l.node.propose(List.of(new LbaRange(start, len)),
                ByteBuffer.allocate(8).putLong(id).array());
        if (!pr.accepted()) {
            at(now + 2_000, this::clientWrite);
            return;
        }
        trace.add(now, new Proposal(l.id, pr.index(), pr.term()));
        pending.put(new Proposal(l.id, pr.index(), pr.term()), new long[] {id, now});
        long index = pr.index();
        long term = pr.term();
        int node = l.id;
        at(now + 300_000, () -> {
            if (pending.remove(new Proposal(node, index, term)) != null) {
                clientWrite();
            }
        });
        pump(l);
    }

    SimReplica servingLeader() {
        SimReplica best = null;
        for (int i = 1; i < replicas.length; i++) {
            SimReplica r = replicas[i];
            if (r.up && r.node.readyToServe() && (best == null || r.node.term() > best.node.term())) {
                best = r;
            }
        }
        return best;
    }

    // ---- faults ------------------------------------------------------------------------------

    private void fault() {
        if (!chaos) {
            return;
        }
        int n = replicas.length - 1;
        int pick = rnd.nextInt(11);
        int a = randomStarted();
        int b = randomStarted();
        SimReplica current = servingLeader();
        if (current != null && rnd.nextBoolean()) {
            a = current.id;
        }
        switch (pick) {
            case 0, 1 -> {
                if (downCount() < (opt.nodes() - 1) / 2 + 1 && replicas[a].up) {
                    trace.add(now, "CRASH " + a);
                    replicas[a].crash(rnd);
                }
            }
            case 2, 3 -> restartAll();
            case 4 -> {
                trace.add(now, "PARTITION {" + a + "} | rest");
                for (int x = 1; x <= n; x++) {
                    if (x != a && replicas[x].started) {
                        blocked[a][x] = true;
                        blocked[x][a] = true;
                    }
                }
            }
            case 5 -> {
                trace.add(now, "ONE-WAY " + a + " -/-> " + b);
                blocked[a][b] = a != b;
            }
            case 6, 7 -> {
                trace.add(now, "HEAL network");
                clearBlocks();
            }
            case 8 -> {
                SimReplica l = servingLeader();
                if (l != null && a != l.id) {
                    trace.add(now, "TRANSFER " + l.id + " -> " + a);
                    l.node.transferLeadership(a);
                    pump(l);
                }
            }
            case 9 -> changeMembers();
            default -> {
                loss = rnd.nextDouble() * 0.05;
                dup = rnd.nextDouble() * 0.03;
            }
        }
        at(now + 2_000 + rnd.nextInt(40_000), this::fault);
    }

    private int randomStarted() {
        while (true) {
            int id = 1 + rnd.nextInt(replicas.length - 1);
            if (replicas[id].started) {
                return id;
            }
        }
    }

    /**
     * Adds a spare (empty disk) or removes a member, keeping the group between
     * {@code max(3, nodes - 1)} and {@code nodes + 1} members: removing one and adding a spare later
     * is how an operator replaces a failed disk.
     */
    private void changeMembers() {
        SimReplica l = servingLeader();
        if (l == null) {
            return;
        }
        List<Integer> next = new ArrayList<>(l.node.members());
        SimReplica spare = null;
        for (int i = opt.nodes() + 1; i < replicas.length && spare == null; i++) {
            spare = replicas[i].started ? null : replicas[i];
        }
        boolean add = spare != null && (next.size() <= Math.max(3, opt.nodes() - 1)
                || (next.size() <= opt.nodes() && rnd.nextBoolean()));
        if (add) {
            next.add(spare.id);
        } else if (next.size() > Math.max(3, opt.nodes() - 1)) {
            next.remove(rnd.nextInt(next.size()));
        } else {
            return;
        }
        RejectReason r = l.node.proposeMembership(next);
        trace.add(now, "MEMBERS " + l.node.members() + " -> " + next + ": " + r);
        if (r == RejectReason.NONE && add) {
            spare.started = true;
            spare.up = true;
        }
        pump(l);
    }

    /** @return the members of the serving leader's group, or every started replica without one */
    List<SimReplica> members() {
        SimReplica l = servingLeader();
        List<SimReplica> out = new ArrayList<>();
        for (int i = 1; i < replicas.length; i++) {
            if (l == null ? replicas[i].started : l.node.members().contains(i)) {
                out.add(replicas[i]);
            }
        }
        return out;
    }

    private int downCount() {
        int d = 0;
        for (int i = 1; i < replicas.length; i++) {
            d += replicas[i].started && !replicas[i].up ? 1 : 0;
        }
        return d;
    }

    private void restartAll() {
        for (int i = 1; i < replicas.length; i++) {
            if (!replicas[i].up && replicas[i].started) {
                trace.add(now, "RESTART " + i);
                replicas[i].restart();
                pump(replicas[i]);
            }
        }
    }

    private void clearBlocks() {
        for (boolean[] row : blocked) {
            java.util.Arrays.fill(row, false);
        }
    }

    private void heal() {
        healMessages = -messages;
        trace.add(now, "HEAL all, stop load");
        chaos = false;
        loss = 0;
        dup = 0;
        clearBlocks();
        restartAll();
    }
}
