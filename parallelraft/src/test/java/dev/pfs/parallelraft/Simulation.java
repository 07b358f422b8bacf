package dev.pfs.parallelraft;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;

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
        base = base.withCheckpointPiece(64);
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
                if (!chaos && now >= opt.chaosMicros() + 50_000 && now % 10_000 < 1_000 && checker.converged()) {
                    break;
                }
            }
            if (!checker.converged()) {
                throw new SimFailure("no convergence " + (now - opt.chaosMicros()) / 1000 + " ms after healing: "
                        + describe());
            }
            checker.finalChecks();
        } catch (SimFailure | RuntimeException f) {
            throw new SimFailure("seed " + seed + " " + opt + ": " + f.getMessage() + "\nnodes: " + describe()
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
     * bigger), applies each one's committed entries at once in Ready order, and starts its write;
     * a Ready with nothing to write completes at once. A Ready that truncates or carries a
     * checkpoint waits until every earlier one landed, runs alone, and applies after it landed
     * (an installed checkpoint replaces the applied state).
     */
    void pump(SimReplica r) {
        while (r.up && r.barrier == null && !r.exclusive && r.writing < diskQueue) {
            Ready rd = r.node.ready();
            if (rd.isEmpty()) {
                break;
            }
            long seq = ++r.readySeq;
            boolean alone = SimReplica.runsAlone(rd);
            if (!alone) {
                apply(r, rd);
            }
            if (rd.entries().isEmpty() && rd.hardState() == null && !alone) {
                landed(r, rd, seq);
            } else if (alone && r.writing > 0) {
                r.barrier = rd;
                r.barrierSeq = seq;
            } else {
                startWrite(r, rd, seq);
            }
        }
        if (r.up) {
            acknowledgeCommitted(r);
            r.maybeCheckpoint();
        }
    }

    private void apply(SimReplica r, Ready rd) {
        for (Entry e : rd.toApply()) {
            checker.applied(r, e);
            r.applied(e);
        }
    }

    private void startWrite(SimReplica r, Ready rd, long seq) {
        r.writing++;
        r.exclusive = SimReplica.runsAlone(rd);
        int inc = r.incarnation;
        at(now + diskLatency(), () -> {
            if (r.incarnation != inc || !r.up) {
                return;
            }
            r.writing--;
            r.exclusive = false;
            landed(r, rd, seq);
            if (SimReplica.runsAlone(rd)) {
                apply(r, rd);
            }
            if (r.barrier != null && r.writing == 0) {
                Ready b = r.barrier;
                r.barrier = null;
                startWrite(r, b, r.barrierSeq);
            }
            pump(r);
        });
    }

    /** A Ready's writes are durable: they survive a crash, its messages leave, the node hears of it. */
    private void landed(SimReplica r, Ready rd, long seq) {
        r.persist(rd, seq);
        for (Message m : rd.messages()) {
            send(m);
        }
        r.node.advance(rd);
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
                    replicas[a].crash();
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
        trace.add(now, "HEAL all, stop load");
        chaos = false;
        loss = 0;
        dup = 0;
        clearBlocks();
        restartAll();
    }
}
