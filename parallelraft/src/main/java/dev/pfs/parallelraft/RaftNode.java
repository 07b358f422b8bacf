package dev.pfs.parallelraft;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One member of a replication group as a pure state machine, after etcd raft: feed it
 * {@link #step}, {@link #tick} and {@link #propose}; take a {@link Ready}, do what it says, and
 * {@link #advance}. It does no I/O and reads no clock; its only randomness is seeded by the config.
 * Not thread-safe: one thread drives a node.
 */
public final class RaftNode {

    final RaftConfig cfg;
    final RaftLog log = new RaftLog();
    final IndexSet committed = new IndexSet();
    final IndexSet applied = new IndexSet();
    private final MessageValidator validator;
    private final Applier applier;
    private final Random random;
    private final Map<RejectReason, Long> rejections = new EnumMap<>(RejectReason.class);

    long term;
    int votedFor;
    int leaderId;
    Role role = Role.FOLLOWER;
    private Leader leader;
    private final Election election = new Election(this);
    private int electionElapsed;
    private int randomizedTimeout;
    final FollowerAppender appender = new FollowerAppender(this);
    private final CheckpointReceiver receiver = new CheckpointReceiver(this);
    /** Highest stamp in the log, pruned part included: with the last index, how up to date it is. */
    long maxTerm;
    /** The membership this node follows (newest configuration in its log). */
    final Membership members;
    private CheckpointReader checkpoints = CheckpointReader.NONE;

    final List<Message> out = new ArrayList<>();
    /** Term or vote changed since the last hard state handed out. */
    boolean hardStateDirty;
    final PendingWrites pending;
    /** Strict follower acknowledgements held back because an earlier write was not yet durable. */
    long acksDeferred;
    /** Highest index the caller holds a durable checkpoint of (applied prefix state). */
    long checkpointIndex;
    /** Prefix every member knows committed, as piggybacked by a leader: nobody needs it from a log again. */
    long safePrefix;

    /** A node that never ran. */
    public RaftNode(RaftConfig cfg) {
        this(cfg, HardState.EMPTY, List.of());
    }

    /**
     * A node restarting from what it persisted.
     *
     * @param cfg     settings
     * @param hard    persisted term and vote
     * @param entries persisted entries, any order (strict mode drops those above a hole, and its
     *                first Ready truncates them)
     */
    public RaftNode(RaftConfig cfg, HardState hard, List<Entry> entries) {
        this(cfg, hard, entries, hard.compactIndex());
    }

    /**
     * A node restarting from what it persisted and a checkpoint the caller restored.
     *
     * @param cfg        settings
     * @param hard       persisted hard state (term, vote, commit prefix, compaction point)
     * @param entries    persisted entries, any order; those up to the compaction point (and, in
     *                   strict mode, those above a hole) are ignored; strict mode's first Ready
     *                   then truncates those above the hole on the caller's disk
     * @param checkpoint index the caller's restored checkpoint covers (its applied state), at least
     *                   {@code hard.compactIndex()}; entries above it are applied again
     */
    public RaftNode(RaftConfig cfg, HardState hard, List<Entry> entries, long checkpoint) {
        if (checkpoint < hard.compactIndex()) {
            throw new IllegalArgumentException("checkpoint " + checkpoint + " below compaction point "
                    + hard.compactIndex());
        }
        this.cfg = cfg;
        this.members = new Membership(hard.members().isEmpty() ? cfg.voters() : hard.members());
        this.validator = new MessageValidator(cfg, from -> members.hears(from, cfg.id()));
        this.applier = new Applier(cfg.mode(), cfg.mode() == Mode.PARALLEL ? cfg.lookBehind() : 0);
        this.random = new Random(cfg.randomSeed());
        this.term = hard.term();
        this.votedFor = hard.votedFor();
        log.compact(hard.compactIndex(), hard.compactTerm(), hard.compactOrigin());
        maxTerm = log.compactTerm();
        for (Entry e : entries) {
            if (e.index() > hard.compactIndex()) {
                log.put(e);
                members.stored(e);
                maxTerm = Math.max(maxTerm, e.term());
            }
        }
        pending = new PendingWrites(hard.commit());
        long contiguous = log.contiguousFrom(log.firstIndex(), log.lastIndex());
        if (cfg.mode() == Mode.STRICT && contiguous < log.lastIndex()) {
            // Readies persisted concurrently may leave holes after a crash; strict mode never
            // acknowledged or counted an entry beyond its first hole, so it drops them, on the
            // caller's disk too (the first Ready truncates): kept there, a later write filling the
            // hole would make them look like a contiguous log they never were.
            truncate(contiguous);
        }
        committed.addPrefix(Math.max(hard.commit(), checkpoint));
        applied.addPrefix(checkpoint);
        checkpointIndex = checkpoint;
        resetElectionTimer();
    }

    /** @return this node's id */
    public int id() {
        return cfg.id();
    }

    /** @return current term */
    public long term() {
        return term;
    }

    /** @return current role */
    public Role role() {
        return role;
    }

    /** @return the leader this node knows in its term, or 0 */
    public int leaderId() {
        return leaderId;
    }

    /** @return contiguous known-committed prefix */
    public long commitPrefix() {
        return committed.prefix();
    }

    /** @return contiguous applied prefix */
    public long appliedPrefix() {
        return applied.prefix();
    }

    /** @return last index in the log */
    public long lastIndex() {
        return log.lastIndex();
    }

    /** @return whether a leader accepts proposals now (its merge stage is done, no transfer) */
    public boolean readyToServe() {
        return leader != null && leader.acceptsProposals();
    }

    /** @return the members this node follows now (the newest configuration in its log) */
    public List<Integer> members() {
        return members.current();
    }

    /**
     * Gives the node read access to the caller's checkpoints, which a leader streams to a follower
     * that needs entries it pruned. Without one a leader cannot stream and such a follower waits.
     */
    public void setCheckpointReader(CheckpointReader reader) {
        checkpoints = reader == null ? CheckpointReader.NONE : reader;
    }

    /**
     * Asks the leader to change the membership by adding or removing one member. The leader stops
     * taking writes, appends the change once every earlier entry is committed, and takes writes
     * again once the change commits; it counts quorums under the new membership from the moment it
     * appends it. A leader that removes itself steps down once the change commits.
     *
     * @param next the members after the change
     * @return NONE when queued, else why not (counted)
     */
    public RejectReason proposeMembership(List<Integer> next) {
        RejectReason r;
        if (leader == null || !leader.acceptsProposals()) {
            r = whyNotServing();
        } else if (Membership.invalidChange(members.current(), next) != null) {
            r = RejectReason.INVALID_MEMBERSHIP;
        } else {
            leader.queueMembership(next);
            return RejectReason.NONE;
        }
        rejections.merge(r, 1L, Long::sum);
        return r;
    }

    /** @return why this node takes no proposals now (it is not a leader that accepts them) */
    private RejectReason whyNotServing() {
        if (leader == null) {
            return RejectReason.NOT_LEADER;
        }
        return leader.changingMembers() ? RejectReason.CHANGING_MEMBERS
                : leader.transferring() ? RejectReason.TRANSFERRING : RejectReason.NOT_LEADER;
    }

    /** @return how many inputs were refused, per reason */
    public Map<RejectReason, Long> rejections() {
        return Map.copyOf(rejections);
    }

    /** @return first index still held in the log (entries below it are pruned) */
    public long firstIndex() {
        return log.firstIndex();
    }

    /**
     * Tells the node the caller holds a durable checkpoint of its applied state up to
     * {@code index} (a contiguous applied prefix). The node then prunes entries up to
     * {@code min(index, prefix every member knows committed)}, but not below the first
     * configuration entry of a server that joined from the log rather than a checkpoint (it cannot
     * name the members there); the next hard state names the compaction point, after which the
     * caller may delete those entries.
     *
     * @return false (and nothing changes; the caller must not restart from that checkpoint) if
     *         {@code index} is above the applied prefix, or an entry up to it is still in flight in
     *         a Ready not yet advanced (a restart needs the log to hold every entry up to the
     *         checkpoint, or the compaction point: strict mode checks the term at its index)
     */
    public boolean checkpointed(long index) {
        if (index > applied.prefix() || index > pending.inFlight.durableThrough(checkpointIndex)) {
            return false;
        }
        checkpointIndex = Math.max(checkpointIndex, index);
        return true;
    }

    /**
     * On a leader, forgets what {@code member} acknowledged and reported: the caller learned that
     * the member lost its durable state (a replaced or wiped disk kept its id), so its earlier
     * acknowledgements no longer count towards any commit, and it is caught up afresh (from a
     * checkpoint if it needs pruned entries), as a newly elected leader would. Its votes are
     * outside this: a member that forgot its term and vote can still vote twice in a term.
     *
     * @return whether this node leads and tracked the member
     */
    public boolean forgetProgress(int member) {
        return leader != null && leader.forget(member);
    }

    /**
     * On a leader, lets the group prune past members it has not heard from for at least
     * {@code ticks}: their reported commit prefixes stop holding back the safe prefix (and so every
     * member's pruning) until they are heard from again. A released member that returns needing
     * pruned entries is streamed a checkpoint. For a caller short of log space; the safe prefix
     * never shrinks, so a member that answers again holds it only from then on.
     *
     * @return how many members were released now (0 on a follower)
     */
    public int releaseSilentMembers(int ticks) {
        return leader == null ? 0 : leader.releaseSilent(ticks);
    }

    /**
     * Whether this node knows the proposal {@code (index, originTerm)} committed: a quorum durably
     * holds it, so it survives any later leader. A leader acknowledges a write to its client at this
     * point (the paper's out-of-order commit); reads of an overlapping range must still wait until
     * the entry is applied.
     *
     * @return true if {@code index} is known committed and this node holds that proposal there;
     *         false once the index is pruned (ask after each {@link Ready}, before checkpointing)
     */
    public boolean committedAs(long index, long originTerm) {
        Entry e = log.get(index);
        return e != null && e.originTerm() == originTerm && committed.contains(index);
    }

    /** @return the entry at {@code index} in this node's log, or null */
    public Entry entry(long index) {
        return log.get(index);
    }

    /**
     * Feeds one message.
     *
     * @return NONE when handled, else why it was refused (counted; nothing changed, though an
     *         answer telling the sender our term may be queued)
     */
    public RejectReason step(Message m) {
        RejectReason r = validator.check(m);
        if (r == RejectReason.NONE) {
            r = stepValid(m);
        }
        if (r != RejectReason.NONE) {
            rejections.merge(r, 1L, Long::sum);
        }
        return r;
    }

    private RejectReason stepValid(Message m) {
        if (m.term() > term) {
            if (m.type() == MessageType.PRE_VOTE || (m.type() == MessageType.PRE_VOTE_RESP && !m.reject())) {
                return m.type() == MessageType.PRE_VOTE ? election.onPreVote(m) : election.onPreVoteResp(m);
            }
            if (m.type() == MessageType.VOTE && inLease() && !m.reject()) {
                return RejectReason.NONE;
            }
            boolean fromLeader = m.type() == MessageType.APPEND || m.type() == MessageType.HEARTBEAT
                    || m.type() == MessageType.MERGE_REQ || m.type() == MessageType.TIMEOUT_NOW
                    || m.type() == MessageType.CHECKPOINT;
            becomeFollower(m.term(), fromLeader ? m.from() : 0);
        } else if (m.term() < term) {
            if (m.type() == MessageType.APPEND || m.type() == MessageType.HEARTBEAT
                    || m.type() == MessageType.MERGE_REQ || m.type() == MessageType.PRE_VOTE
                    || m.type() == MessageType.CHECKPOINT) {
                send(Message.of(m.type() == MessageType.PRE_VOTE ? MessageType.PRE_VOTE_RESP
                        : MessageType.HEARTBEAT_RESP, id(), m.from(), term).withReject());
            }
            return RejectReason.STALE_TERM;
        }
        return switch (m.type()) {
            case PRE_VOTE -> election.onPreVote(m);
            case VOTE -> election.onVote(m);
            case PRE_VOTE_RESP -> election.onPreVoteResp(m);
            case VOTE_RESP -> election.onVoteResp(m);
            case APPEND, HEARTBEAT, MERGE_REQ, TIMEOUT_NOW, CHECKPOINT -> fromLeader(m);
            case APPEND_RESP, HEARTBEAT_RESP, MERGE_RESP, CHECKPOINT_RESP ->
                    leader != null ? leader.onResponse(m) : RejectReason.NONE;
        };
    }

    /** Advances logical time by one tick: elections, heartbeats, retransmission, check-quorum. */
    public void tick() {
        electionElapsed++;
        if (leader != null) {
            if (electionElapsed >= cfg.electionTicks()) {
                electionElapsed = 0;
                if (cfg.checkQuorum() && !leader.quorumActive()) {
                    becomeFollower(term, 0);
                    return;
                }
                leader.abortTransfer();
            }
            leader.tick();
        } else if (electionElapsed >= randomizedTimeout) {
            electionElapsed = 0;
            election.campaign(cfg.preVote(), false);
        } else if (role == Role.FOLLOWER && leaderId != 0) {
            appender.tick();
        }
    }

    /**
     * Proposes a write at the leader.
     *
     * @param ranges blocks written, each within the configured LBA space
     * @param data   payload
     * @return the index and term given, or why refused (counted)
     */
    public ProposeResult propose(List<LbaRange> ranges, byte[] data) {
        RejectReason r;
        if (leader == null || !leader.acceptsProposals()) {
            r = whyNotServing();
        } else if (ranges == null || ranges.isEmpty() || !validator.rangesValid(ranges)) {
            r = RejectReason.INVALID_LBA;
        } else {
            long index = log.lastIndex() + 1;
            store(new Entry(index, term, term, EntryKind.WRITE, ranges, lookBehind(index), data));
            return new ProposeResult(RejectReason.NONE, index, term);
        }
        rejections.merge(r, 1L, Long::sum);
        return new ProposeResult(r, 0, 0);
    }

    /**
     * Asks the leader to hand leadership to {@code target}: it stops accepting proposals, brings
     * the target up to date and tells it to campaign at once.
     *
     * @return false if this node is not a serving leader or the target is not another member
     */
    public boolean transferLeadership(int target) {
        if (leader == null || target == id() || !members.contains(target) || !leader.acceptsProposals()) {
            return false;
        }
        leader.startTransfer(target);
        return true;
    }

    /**
     * Whether {@code member} is a good target for {@link #transferLeadership} now: this node leads
     * and accepts proposals, and the member answered within the current check-quorum period and
     * holds the log contiguously to within {@code within} entries of its end (the transfer then
     * pauses proposals only while it catches up on those).
     */
    public boolean caughtUp(int member, long within) {
        return leader != null && leader.acceptsProposals() && leader.caughtUp(member, within);
    }

    /** Starts an election now, as if the election timer had fired (with pre-vote if configured). */
    public void campaign() {
        if (leader == null) {
            election.campaign(cfg.preVote(), false);
        }
    }

    /**
     * @return how many times this node, as a strict follower, acknowledged less than an APPEND
     *         carried because an earlier write was still in flight (a later acknowledgement follows
     *         once it is durable); always 0 when the caller persists one Ready at a time
     */
    public long acksDeferred() {
        return acksDeferred;
    }

    /**
     * @return the batch of work for the caller; empty when there is none. Several Readies may be
     *         outstanding at once: see {@link Ready} for what the caller must then respect.
     */
    public Ready ready() {
        if (leader != null && !members.contains(id()) && committed.prefix() >= members.latestIndex()) {
            becomeFollower(term, 0);
        }
        if (leader != null) {
            leader.sendAppends();
        }
        List<Entry> apply = applier.collect(log, committed, applied);
        long prune = Math.min(Math.min(checkpointIndex, safePrefix), Math.min(committed.prefix(), applied.prefix()));
        // The hard state and a checkpoint this node streams name the members at the compaction
        // point: a node that cannot name them there prunes no further yet.
        if (prune >= log.firstIndex() && members.knownAt(prune)) {
            log.compact(prune, 0, 0);
            members.compacted(prune);
            hardStateDirty = true;
        }
        return pending.build(this, apply);
    }

    /**
     * Acknowledges that everything the Ready asked to persist is durable and its messages sent.
     * Readies may be advanced in any order.
     */
    public void advance(Ready rd) {
        pending.landed(rd, log);
        if (leader != null) {
            leader.persisted(rd.entries());
        }
    }

    // ---- roles -------------------------------------------------------------------------------

    void becomeFollower(long newTerm, int newLeader) {
        if (newTerm != term) {
            term = newTerm;
            votedFor = 0;
            hardStateDirty = true;
        }
        role = Role.FOLLOWER;
        if (leaderId != newLeader) {
            receiver.reset();
        }
        leaderId = newLeader;
        leader = null;
        appender.reset();
        resetElectionTimer();
    }

    void becomeLeader() {
        role = Role.LEADER;
        leaderId = id();
        appender.reset();
        leader = new Leader(this);
        electionElapsed = 0;
        leader.start();
    }

    boolean inLease() {
        return cfg.checkQuorum() && leaderId != 0 && electionElapsed < cfg.electionTicks();
    }

    /** A leader (or a candidate we voted for) was heard from: the election timer starts over. */
    void heardFromLeader() {
        electionElapsed = 0;
    }

    void resetElectionTimer() {
        electionElapsed = 0;
        randomizedTimeout = cfg.electionTicks() + random.nextInt(cfg.electionTicks());
    }

    // ---- following ---------------------------------------------------------------------------

    private RejectReason fromLeader(Message m) {
        if (leader != null) {
            return RejectReason.MALFORMED;
        }
        if (role != Role.FOLLOWER || leaderId != m.from()) {
            becomeFollower(term, m.from());
        }
        electionElapsed = 0;
        return switch (m.type()) {
            case APPEND -> appender.append(m);
            case HEARTBEAT -> appender.heartbeat(m);
            case CHECKPOINT -> receiver.receive(m);
            case MERGE_REQ -> appender.reportLog(m);
            default -> {
                election.campaign(false, true);
                yield RejectReason.NONE;
            }
        };
    }

    // ---- log writes, shared with the leader ---------------------------------------------------

    void store(Entry e) {
        log.put(e);
        members.stored(e);
        pending.stored(e);
        maxTerm = Math.max(maxTerm, e.term());
    }

    void truncate(long after) {
        log.truncateAfter(after);
        pending.truncated(after);
        maxTerm = log.maxTerm();
        members.truncatedAfter(after);
    }

    // ---- checkpoints ---------------------------------------------------------------------------

    CheckpointReader checkpoints() {
        return checkpoints;
    }

    List<LbbSlot> lookBehind(long index) {
        return cfg.mode() == Mode.PARALLEL ? log.lookBehind(index, cfg.lookBehind()) : List.of();
    }

    void send(Message m) {
        out.add(m);
    }

    @Override
    public String toString() {
        return "node " + id() + " " + role + " t" + term + " last " + log.lastIndex() + " commit " + committed
                + " applied " + applied;
    }
}
