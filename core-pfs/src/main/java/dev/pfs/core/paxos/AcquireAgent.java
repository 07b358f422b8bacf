package dev.pfs.core.paxos;

import dev.pfs.core.paxos.PaxosRegion.BlockView;
import dev.pfs.core.paxos.PaxosRegion.LeaderView;
import dev.pfs.core.paxos.PaxosRegion.Survey;

/**
 * One attempt of a host to become the RW holder, as a state machine: each {@link #doWork()}
 * does at most one volume request, so a test can interleave contenders at every I/O.
 *
 * <p>The steps (see {@code docs/disk-paxos.md}): survey the region; if a holder may be alive,
 * watch the leader record for a full lease (any change means alive: fail with HELD); then run
 * Disk Paxos instance {@code e} (the next epoch) with this host's value: phase 1 writes a new
 * ballot and reads every other block, phase 2 writes the chosen value and reads them all
 * again. Seeing a higher ballot or a later instance aborts the round (back off, survey again).
 * If the decided value names this host, it writes the leader record and has won epoch
 * {@code e}; if it names another host, that host won and is watched like any holder.
 */
final class AcquireAgent {
    private enum State { SURVEY, WATCH, PHASE1_WRITE, PHASE1_READ, PHASE2_WRITE, PHASE2_READ, LEADER_READ,
        LEADER_WRITE, BACKOFF, DONE }

    private final RwElection election;
    private final PaxosRegion region;
    private final int me;
    private final long startNanos;
    private State state = State.SURVEY;

    /** Epoch of the leader record at the first survey; a later held epoch is a fresh winner. */
    private long firstEpoch = -1;
    /** The leader record bytes being watched, and the bytes judged dead after a silent lease. */
    private LeaderView watched;
    private LeaderView judgedDead;
    private long watchStart;
    private long watchLength;
    private long nextPoll;
    /** A decided instance learned from the blocks that the leader record does not show yet. */
    private long learnedEpoch;
    private int learnedHost;

    private long instance;
    /** The epoch our block writes carry: the newest one recorded in the leader record. */
    private long fenceEpoch;
    private long ballot;
    private DiskBlock own;
    private int ownTarget;
    private long ownNextSeq;
    private int readHost;
    private long bestBal;
    private int bestHost;
    private LeaderRecord leaderToWrite;
    private int leaderTarget;
    private long backoffUntil;
    /** When this host's phase 2 write began: its lease, if it wins, counts from here. */
    private long phase2Start;
    private long wonEpoch;

    AcquireAgent(RwElection election) {
        this.election = election;
        this.region = election.region();
        this.me = election.hostId();
        this.startNanos = election.now();
    }

    /** @return whether the attempt ended with this host holding the volume */
    boolean isDone() {
        return state == State.DONE;
    }

    /** @return the epoch won, once {@link #isDone()} */
    long epoch() {
        return wonEpoch;
    }

    /** @return whether the agent won Disk Paxos and is about to record its win (for tests) */
    boolean atLeaderWrite() {
        return state == State.LEADER_WRITE;
    }

    /** @return nanoseconds until this agent has work again, when {@link #doWork()} returned 0 */
    long idleNanos() {
        long now = election.now();
        long until = switch (state) {
            case WATCH -> Math.min(nextPoll, watchStart + watchLength);
            case BACKOFF -> backoffUntil;
            default -> now;
        };
        return Math.max(0, until - now);
    }

    /**
     * Does the next step.
     *
     * @return 1 if it did a volume request or changed state, 0 if it is waiting for time to pass
     * @throws PaxosException HELD if a live host holds the volume, IO or CORRUPT
     */
    int doWork() throws PaxosException {
        long now = election.now();
        if (state != State.DONE && now - startNanos > maxWaitNanos()) {
            throw giveUp();
        }
        return switch (state) {
            case SURVEY -> survey();
            case WATCH -> watch(now);
            case PHASE1_WRITE, PHASE2_WRITE -> writeOwnBlock();
            case PHASE1_READ, PHASE2_READ -> readNextBlock();
            case LEADER_READ -> readLeaderForWrite();
            case LEADER_WRITE -> writeLeader(now);
            case BACKOFF -> now >= backoffUntil ? to(State.SURVEY) : 0;
            case DONE -> 0;
        };
    }

    private int survey() throws PaxosException {
        if (election.holdsLease()) {
            wonEpoch = election.heldEpoch();
            return to(State.DONE);
        }
        Survey s = region.survey();
        LeaderRecord leader = s.leader().newest();
        if (leader == null) {
            throw PaxosException.corrupt("the leader record of the paxos region is unreadable ("
                    + s.leader().problem() + "); it cannot come from a crash; the volume needs repair");
        }
        BlockView mine = s.block(me);
        if (mine.newest() == null) {
            throw corruptBlock(me, mine);
        }
        if (firstEpoch < 0) {
            firstEpoch = leader.epoch();
        } else if (leader.held() && leader.epoch() > firstEpoch && !ownLapsedWin(leader)) {
            // Someone won while we tried: a fresh win means a live lease.
            throw PaxosException.held(leader.hostId(), leader.epoch(), me);
        }
        if (judgedDead != null && judgedDead.sameBytes(s.leader())) {
            return prepare(s, leader);
        }
        judgedDead = null;
        boolean holderMayLive = leader.held() || learnedEpoch > leader.epoch();
        if (!holderMayLive) {
            return prepare(s, leader);
        }
        watched = s.leader();
        watchStart = election.now();
        watchLength = Math.max(election.leaseNanos(), leader.leaseNanos());
        nextPoll = watchStart + election.pollNanos();
        return to(State.WATCH);
    }

    private boolean ownLapsedWin(LeaderRecord leader) {
        return learnedHost == me && leader.hostId() == me && leader.epoch() == learnedEpoch;
    }

    /** Polls the leader record until it changes (the holder is alive) or a full lease passed in silence. */
    private int watch(long now) throws PaxosException {
        if (now - watchStart >= watchLength) {
            judgedDead = watched;
            return to(State.SURVEY);
        }
        if (now < nextPoll) {
            return 0;
        }
        LeaderView v = region.readLeader();
        nextPoll = now + election.pollNanos();
        if (!v.sameBytes(watched)) {
            LeaderRecord l = v.newest();
            if (l != null && !l.held() && l.epoch() >= learnedEpoch) {
                return to(State.SURVEY);
            }
            throw l != null && l.held() ? PaxosException.held(l.hostId(), l.epoch(), me)
                    : PaxosException.held(learnedHost, learnedEpoch, me);
        }
        return 1;
    }

    /** Starts a Disk Paxos round for the next undecided instance with a ballot above all seen. */
    private int prepare(Survey s, LeaderRecord leader) {
        long next = Math.max(leader.epoch() + 1, learnedEpoch + 1);
        long maxMbal = 0;
        for (BlockView b : s.blocks()) {
            if (b.newest() != null) {
                next = Math.max(next, b.newest().instance());
            }
        }
        for (BlockView b : s.blocks()) {
            if (b.newest() != null && b.newest().instance() == next) {
                maxMbal = Math.max(maxMbal, b.newest().mbal());
            }
        }
        instance = next;
        fenceEpoch = leader.epoch();
        ballot = nextBallot(maxMbal);
        BlockView mine = s.block(me);
        DiskBlock cur = mine.newest();
        boolean sameInstance = cur.instance() == instance;
        own = new DiskBlock(me, 0, instance, ballot, sameInstance ? cur.bal() : 0, sameInstance ? cur.inpHost() : 0,
                sameInstance ? cur.inpEpoch() : 0);
        ownTarget = mine.target();
        ownNextSeq = mine.nextSeq();
        bestBal = own.bal();
        bestHost = own.inpHost();
        return to(State.PHASE1_WRITE);
    }

    private long nextBallot(long above) {
        int n = region.maxHosts();
        return (above / n + 1) * n + (me - 1);
    }

    private int writeOwnBlock() throws PaxosException {
        if (state == State.PHASE2_WRITE) {
            phase2Start = election.now();
        }
        DiskBlock b = new DiskBlock(me, ownNextSeq, own.instance(), own.mbal(), own.bal(), own.inpHost(),
                own.inpEpoch());
        try {
            region.writeBlock(ownTarget, b, fenceEpoch);
        } catch (PaxosException e) {
            if (e.reason() != PaxosException.Reason.LOST) {
                throw e;
            }
            // Fenced: a holder newer than the leader record we surveyed has written. Look again.
            return backoff();
        }
        ownTarget ^= 1;
        ownNextSeq++;
        readHost = 0;
        return to(state == State.PHASE1_WRITE ? State.PHASE1_READ : State.PHASE2_READ);
    }

    /** Reads the next other host's block; a higher ballot or a later instance aborts the round. */
    private int readNextBlock() throws PaxosException {
        readHost++;
        if (readHost == me) {
            readHost++;
        }
        if (readHost > region.maxHosts()) {
            return state == State.PHASE1_READ ? accept() : decided();
        }
        BlockView v = region.readBlock(readHost);
        DiskBlock b = v.newest();
        if (b == null) {
            throw corruptBlock(readHost, v);
        }
        if (b.instance() > instance || (b.instance() == instance && b.mbal() > ballot)) {
            return backoff();
        }
        if (state == State.PHASE1_READ && b.instance() == instance && b.bal() > bestBal) {
            bestBal = b.bal();
            bestHost = b.inpHost();
        }
        return 1;
    }

    /** End of phase 1: adopt the value accepted at the highest ballot, else propose ourselves. */
    private int accept() {
        int value = bestBal > 0 ? bestHost : me;
        own = new DiskBlock(me, 0, instance, ballot, ballot, value, instance);
        return to(State.PHASE2_WRITE);
    }

    /** End of phase 2: instance {@code instance} decided {@code own.inpHost()}. */
    private int decided() {
        if (own.inpHost() == me) {
            return to(State.LEADER_READ);
        }
        learnedEpoch = instance;
        learnedHost = own.inpHost();
        // The winner is fresh: whatever we judged dead before, this one must be watched anew.
        judgedDead = null;
        return to(State.SURVEY);
    }

    private int readLeaderForWrite() throws PaxosException {
        LeaderView v = region.readLeader();
        LeaderRecord prev = v.newest();
        if (prev == null) {
            throw PaxosException.corrupt("won epoch " + instance + " but the leader record is unreadable ("
                    + v.problem() + "): the journal anchor is lost; the volume needs repair");
        }
        if (prev.epoch() > instance) {
            throw PaxosException.held(prev.hostId(), prev.epoch(), me);
        }
        leaderToWrite = new LeaderRecord(instance, me, prev.heartbeat() + 1, prev.journalAnchor(), false,
                election.leaseNanos(), v.nextSeq());
        leaderTarget = v.target();
        return to(State.LEADER_WRITE);
    }

    /**
     * Records the win. The lease counts from the phase 2 write, the first moment another
     * contender could learn of this win and start watching; a winner too slow to record its win
     * within its lease treats it as lost and lets the watch-then-next-epoch rule run.
     */
    private int writeLeader(long now) throws PaxosException {
        if (now - phase2Start < election.validNanos()) {
            region.writeLeader(leaderTarget, leaderToWrite, instance);
            if (election.now() - phase2Start < election.validNanos()) {
                election.won(leaderToWrite, phase2Start);
                wonEpoch = instance;
                return to(State.DONE);
            }
        }
        learnedEpoch = instance;
        learnedHost = me;
        judgedDead = null;
        return to(State.SURVEY);
    }

    /** Two watches (the holder, then a winner that died before writing the leader record) and rounds. */
    private long maxWaitNanos() {
        return 4 * Math.max(election.leaseNanos(), watchLength);
    }

    private int backoff() {
        backoffUntil = election.now() + election.backoffNanos();
        return to(State.BACKOFF);
    }

    private int to(State next) {
        state = next;
        return 1;
    }

    private PaxosException giveUp() {
        LeaderRecord l = watched == null ? null : watched.newest();
        if (learnedEpoch > 0 && (l == null || learnedEpoch > l.epoch())) {
            return PaxosException.held(learnedHost, learnedEpoch, me);
        }
        if (l != null && l.held()) {
            return PaxosException.held(l.hostId(), l.epoch(), me);
        }
        return PaxosException.io("host " + me + " could not win the volume within "
                + maxWaitNanos() / 1_000_000 + " ms: other hosts keep contending", null);
    }

    private static PaxosException corruptBlock(int hostId, BlockView v) {
        return PaxosException.corrupt("the paxos block of host " + hostId + " is unreadable (" + v.problem()
                + "); it cannot come from a crash; the volume needs repair");
    }
}
