package dev.pfs.chunkserver.replication;

import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.wal.WalRecord;
import dev.pfs.parallelraft.Entry;
import dev.pfs.parallelraft.EntryKind;
import dev.pfs.parallelraft.HardState;
import dev.pfs.parallelraft.LbaRange;
import dev.pfs.parallelraft.Message;
import dev.pfs.parallelraft.ProposeResult;
import dev.pfs.parallelraft.RaftNode;
import dev.pfs.parallelraft.Ready;
import dev.pfs.parallelraft.RejectReason;
import dev.pfs.parallelraft.Role;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * One chunk's replication group on this server: its ParallelRaft node and the client requests
 * waiting on it. A write is acknowledged once the node knows its entry committed as proposed
 * ({@link RaftNode#committedAs}: a majority holds it durably); a read waits for its barrier
 * entry to be applied. Owned by the replication agent's thread.
 */
final class ReplicaGroup {
    /** Bytes per LBA of the node's ranges: the sector. */
    static final int SECTOR = 512;

    /**
     * The applied prefix after one round's applies, durable in the store once {@code writes}
     * complete with the store's in-place write count and the store's checkpoint covers that count.
     */
    private record AppliedMark(long prefix, CompletableFuture<Long> writes) {
    }

    /** A proposal waiting for its commit (write) or its apply (read). */
    record Waiting(long term, Command command, CompletableFuture<byte[]> future) {
    }

    /** The group as last logged: replaced once a membership change commits ({@link MemberChange#settle}). */
    GroupSpec spec;
    /** Index of the newest configuration entry this server logged, or 0. */
    long configIndex;
    /** The node; replaced by one rebuilt from the log once a streamed checkpoint is installed. */
    RaftNode node;
    /**
     * The configuration index, node and spec for which {@link MemberChange#settle} last found the
     * logged spec equal to the members the node follows: it looks again only once one of them
     * changed, not for every group on every tick (that cost 1,000 idle groups most of their CPU).
     */
    private long settledConfigIndex = -1;
    private RaftNode settledNode;
    private GroupSpec settledSpec;
    private final int self;
    private final Map<Long, Waiting> waiting = new HashMap<>();
    /** Until when (nanoTime) this group ticks at the busy rate. */
    private long busyUntil;
    /** The highest writer epoch of any entry in this server's log: older writers are refused. */
    private long epoch;
    /**
     * The highest try generation of any write in this server's log: older tries are refused, as
     * their client may have gone on to later writes since (docs/replication.md "Late tries").
     */
    private long generation;
    /** The hard state last logged: what a rewrite of the replication log carries. */
    HardState hard = HardState.EMPTY;
    /** Applied prefixes waiting for their store writes, oldest first. */
    private final ArrayDeque<AppliedMark> applying = new ArrayDeque<>();
    /** The highest applied prefix the store holds durably, and the highest the node took as its checkpoint. */
    private long durable;
    private long checkpointed;
    /** A Ready carrying checkpoint pieces whose store writes are under way; no other is taken meanwhile. */
    Ready parked;
    /** Whether this server's node led the group when last looked at (for the leader metrics). */
    boolean led;
    /** This group's Readies in rounds started and not yet finished (their log writes in flight): 0 or 1. */
    int inFlight;
    /** The term and vote of the last hard state known durable (Readies still in flight may carry newer ones). */
    long durableTerm;
    int durableVote;
    /** Messages that arrived while {@link #parked}: stepped once it is advanced (the node may be rebuilt). */
    final List<Message> held = new ArrayList<>();
    /** The checkpoint being received and its header (from its first piece), or -1. */
    private long streamIndex = -1;
    private ChunkCheckpoint.Header streamHeader;
    /** This replica's incarnation while it holds nothing committed (see {@link #incarnation}). */
    private final long incarnation = java.util.concurrent.ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    /** Per member, the last incarnation this server's leader acted on. */
    private final Map<Integer, Long> rejoins = new HashMap<>();

    /** Not before this (nanoTime) does this server, leading, try to hand the group back to its preferred leader. */
    private long nextHandBack;

    /** @return whether nothing that decides the group's members changed since {@link #markMembersSettled} */
    boolean membersSettled() {
        return settledNode == node && settledSpec == spec && settledConfigIndex == configIndex;
    }

    /** Records that the logged spec names the members the node follows now. */
    void markMembersSettled() {
        settledConfigIndex = configIndex;
        settledNode = node;
        settledSpec = spec;
    }

    ReplicaGroup(GroupSpec spec, RaftNode node, int self) {
        this.spec = spec;
        this.node = node;
        this.self = self;
    }

    /** Marks the group busy: a proposal, an entry or an election message at {@code now}. */
    void touch(long now) {
        busyUntil = now + ReplicationAgent.BUSY_NANOS;
    }

    /**
     * @return whether the group ticks at the busy rate: recently touched, or electing, or
     *         without a leader (an election under way must not run at the quiet rate)
     */
    boolean busy(long now) {
        return now - busyUntil < 0 || node.role() == Role.CANDIDATE || node.role() == Role.PRE_CANDIDATE
                || (node.role() == Role.FOLLOWER && node.leaderId() == 0);
    }

    /**
     * Hands leadership back to the group's preferred leader (its first member: placement rotates
     * the first member over the servers, so that is what spreads leaders evenly) when this
     * server leads in its place and the preferred one is up and nearly caught up: after a
     * restart or a partition a server would otherwise keep every group it took over. At most one
     * try per {@link ReplicationAgent#HAND_BACK_NANOS}, so a preferred server that keeps losing
     * its elections costs one short pause of writes per period, not a stream of them.
     *
     * @return whether a transfer started
     */
    boolean handBack(long now) {
        int preferred = spec.ids().getFirst();
        if (preferred == self || node.role() != Role.LEADER || !node.members().contains(preferred) || now - nextHandBack < 0
                || !node.caughtUp(preferred, RaftSettings.MAX_BATCH * 16L)) {
            return false;
        }
        nextHandBack = now + ReplicationAgent.HAND_BACK_NANOS;
        return node.transferLeadership(preferred);
    }

    /**
     * @return the refusal a client gets from a server that is not this group's serving leader: it
     *     names the leader by id ({@link ChunkException#leader()}) and, for people, by address too
     */
    ChunkException notLeader() {
        int leader = node.role() == Role.LEADER ? self : node.leaderId();
        InetSocketAddress a = leader == 0 ? null : spec.members().get(leader);
        String chunk = "chunk " + spec.chunkId();
        if (leader == self) {
            return ChunkException.notLeader("server " + self + " leads " + chunk + " but does not serve it now"
                    + " (it is settling its predecessor's writes, or handing the lead over)", self);
        }
        if (leader == 0) {
            return ChunkException.notLeader("server " + self + " knows no leader of " + chunk + " (an election"
                    + " may be under way, or it cannot reach enough of the members " + node.members() + ")", 0);
        }
        return ChunkException.notLeader("server " + self + " does not lead " + chunk + "; server " + leader
                + " does" + (a == null ? "" : ", at " + a.getHostString() + ":" + a.getPort()), leader);
    }

    /**
     * Proposes {@code command}, whose encoded entry payload is {@code entry}; the future completes
     * when it commits (write) or with the data read (read), or fails with NOT_LEADER.
     */
    void propose(Command command, byte[] entry, CompletableFuture<byte[]> future) {
        if (command.offset() < 0 || command.length() <= 0 || command.offset() % SECTOR != 0
                || command.length() % SECTOR != 0 || command.offset() + command.length() > spec.size()) {
            future.completeExceptionally(new ChunkException(
                    command.offset() % SECTOR != 0 || command.length() % SECTOR != 0 ? ChunkStatus.MISALIGNED
                            : ChunkStatus.OUT_OF_RANGE, "chunk " + spec.chunkId() + ": range [" + command.offset()
                    + ", +" + command.length() + ") is not sector-aligned inside its " + spec.size() + " bytes"));
            return;
        }
        if (command.kind() != Command.Kind.READ && command.epoch() < epoch) {
            future.completeExceptionally(new ChunkException(ChunkStatus.STALE_EPOCH, "chunk " + spec.chunkId()
                    + ": stale epoch " + command.epoch() + " < " + epoch));
            return;
        }
        if (command.kind() == Command.Kind.WRITE && command.generation() < generation) {
            future.completeExceptionally(new ChunkException(ChunkStatus.STALE_TRY, "chunk " + spec.chunkId()
                    + ": a late try (generation " + command.generation() + " < " + generation + ")", generation));
            return;
        }
        ProposeResult r = node.propose(List.of(new LbaRange(command.offset() / SECTOR, command.length() / SECTOR)),
                entry);
        if (r.reason() == RejectReason.NONE) {
            epoch = Math.max(epoch, command.epoch());
            generation = Math.max(generation, command.generation());
            waiting.put(r.index(), new Waiting(r.term(), command, future));
        } else {
            future.completeExceptionally(notLeader());
        }
    }

    /**
     * Notes an entry this server logs (or found in its log at restart): its writer epoch fences
     * older writers, its try generation older tries. Every entry a later leader may commit is in
     * its log, so each leader refuses at least the writes every earlier committed entry fences.
     */
    void logged(Entry e) {
        if (e.kind() == EntryKind.CONFIG) {
            configIndex = Math.max(configIndex, e.index());
            return;
        }
        Command c = Command.decode(e.data());
        if (c != null && c.kind() != Command.Kind.READ) {
            epoch = Math.max(epoch, c.epoch());
            generation = Math.max(generation, c.generation());
        }
    }

    /**
     * @return the read waiting on {@code e} if it is the barrier this server proposed there
     *         (the caller serves it now, after every earlier apply); null otherwise
     */
    Waiting appliedRead(Entry e) {
        Waiting w = waiting.get(e.index());
        if (w == null || w.command.kind() != Command.Kind.READ) {
            return null;
        }
        waiting.remove(e.index());
        if (w.term != e.originTerm()) {
            w.future.completeExceptionally(notLeader());
            return null;
        }
        return w;
    }

    /**
     * After a Ready: acknowledges the writes that committed as proposed; fails those whose index
     * committed with another entry, and everything when this server no longer leads (their fate
     * is unknown to the client, which retries: a write is idempotent).
     */
    void settle() {
        boolean leading = node.role() == Role.LEADER;
        for (Iterator<Map.Entry<Long, Waiting>> it = waiting.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Waiting> m = it.next();
            long index = m.getKey();
            Waiting w = m.getValue();
            boolean change = w.command.kind() != Command.Kind.READ;
            if (change && node.committedAs(index, w.term)) {
                w.future.complete(null);
                it.remove();
            } else if (!leading || node.term() != w.term || (change && node.commitPrefix() >= index)) {
                w.future.completeExceptionally(notLeader());
                it.remove();
            }
        }
    }

    /**
     * Notes that this round applied entries up to the node's applied prefix, with {@code writes}
     * the store writes it issued: once they (and every earlier round's) complete and the store's
     * checkpoint covers the in-place writes issued by then ({@code inPlaceIssued}, read at their
     * completion), the store holds the chunk at that prefix durably: this group's checkpoint.
     */
    void applied(List<CompletableFuture<Void>> writes, LongSupplier inPlaceIssued) {
        CompletableFuture<Void> all = writes.size() == 1 ? writes.getFirst()
                : CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0]));
        // Read once the writes are on the data volume: every in-place one among them is counted.
        applying.add(new AppliedMark(node.appliedPrefix(), all.thenApply(v -> inPlaceIssued.getAsLong())));
    }

    /**
     * @return done once every store write this group issued so far has completed: earlier rounds'
     *         and {@code thisRound}'s
     */
    CompletableFuture<Void> writesBefore(List<CompletableFuture<Void>> thisRound) {
        List<CompletableFuture<?>> all = new java.util.ArrayList<>(thisRound);
        for (AppliedMark m : applying) {
            if (!m.writes.isDone()) {
                all.add(m.writes);
            }
        }
        return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]));
    }

    /**
     * @return whether the oldest applied prefix still waiting has its writes on the data volume and
     *         waits only for a store checkpoint to cover more than {@code inPlaceDurable} in-place writes
     */
    boolean awaitsStoreCheckpoint(long inPlaceDurable) {
        AppliedMark m = applying.peekFirst();
        return m != null && written(m) && m.writes.join() > inPlaceDurable;
    }

    private static boolean written(AppliedMark m) {
        return m.writes.isDone() && !m.writes.isCompletedExceptionally();
    }

    /** @return whether applied prefixes still wait for their store writes */
    boolean applying() {
        return !applying.isEmpty();
    }

    /**
     * Tells the node how far the store durably holds the chunk (its checkpoint), so that it may
     * prune the log up to there; a failed store write holds the checkpoint back (replication stops).
     * {@code inPlaceDurable} is how many in-place writes the store's last checkpoint covers.
     *
     * @return whether the checkpoint moved (the node's next Ready prunes and logs a hard state)
     */
    boolean checkpoint(long inPlaceDurable) {
        while (!applying.isEmpty() && written(applying.peekFirst())
                && applying.peekFirst().writes.join() <= inPlaceDurable) {
            durable = Math.max(durable, applying.removeFirst().prefix);
        }
        if (durable > checkpointed && node.checkpointed(durable)) {
            checkpointed = durable;
            return true;
        }
        return false;
    }

    /** @return every entry the node's log holds, in index order (what a node rebuilt from the log starts with) */
    List<Entry> logEntries() {
        List<Entry> out = new ArrayList<>();
        for (long i = node.firstIndex(); i <= node.lastIndex(); i++) {
            Entry e = node.entry(i);
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    /** Adds what recovery needs of this group: its creation, its hard state, every entry still in its log. */
    void liveRecords(List<WalRecord> out) {
        long id = spec.chunkId();
        out.add(ReplicationLog.group(spec));
        if (!hard.equals(HardState.EMPTY)) {
            out.add(ReplicationLog.hardState(id, hard));
        }
        if (epoch > 0 || generation > 0) {
            // The entries that raised them may be pruned: the rewritten log must still fence.
            out.add(ReplicationLog.fences(id, epoch, generation));
        }
        for (Entry e : logEntries()) {
            out.add(ReplicationLog.entry(id, e));
        }
    }

    /**
     * A replica whose commit prefix is still 0 and whose log was never pruned (a group just
     * created, perhaps on a wiped data directory, or one never written) names a random
     * incarnation, fixed for this process, in its messages: a leader that sees a new one forgets
     * what that member acknowledged before ({@link RaftNode#forgetProgress}), since a wiped member
     * keeps its id but not what it promised. For a member that really is new this only repeats
     * what the leader knew.
     *
     * @return the incarnation, or 0 once this replica holds a committed prefix
     */
    long incarnation() {
        return node.commitPrefix() == 0 && hard.compactIndex() == 0 ? incarnation : 0;
    }

    /**
     * A member's messages named {@code incarnation}: if this server leads and has not acted on it
     * yet, it forgets the member's progress.
     *
     * @return whether it did
     */
    boolean rejoined(int member, long incarnation) {
        if (node.role() != Role.LEADER || !spec.members().containsKey(member)
                || Long.valueOf(incarnation).equals(rejoins.get(member))) {
            return false;
        }
        rejoins.put(member, incarnation);
        return node.forgetProgress(member);
    }

    /**
     * Takes the highest writer epoch and try generation the log held for this group, pruned
     * entries included.
     */
    void recoveredFences(long recoveredEpoch, long recoveredGeneration) {
        epoch = Math.max(epoch, recoveredEpoch);
        generation = Math.max(generation, recoveredGeneration);
    }

    /** @return the highest writer epoch this server knows of in the group */
    long epoch() {
        return epoch;
    }

    /** @return the highest try generation this server knows of in the group */
    long generation() {
        return generation;
    }

    /**
     * The highest origin term of a proposal (not a no-op) at or below {@code index}, which a
     * checkpoint streamed there hands on as its receiver's compaction origin (the merge's
     * deposed-tail evidence, docs/parallelraft.md M4b).
     *
     * @return that term, or -1 once the log is pruned past {@code index} (it cannot be named exactly)
     */
    long originAt(long index) {
        if (index < node.firstIndex() - 1 || hard.compactIndex() != node.firstIndex() - 1) {
            return -1;
        }
        long origin = hard.compactOrigin();
        for (long i = node.firstIndex(); i <= index; i++) {
            Entry e = node.entry(i);
            if (e != null && e.kind() != EntryKind.NOOP) {
                origin = Math.max(origin, e.originTerm());
            }
        }
        return origin;
    }

    /** Notes the header of checkpoint {@code index} from its first piece: a new stream starts. */
    void streaming(long index, ChunkCheckpoint.Header header) {
        streamIndex = index;
        streamHeader = header;
        epoch = Math.max(epoch, header.epoch());
        generation = Math.max(generation, header.generation());
    }

    /** @return the header of checkpoint {@code index} if its first piece was received, else null */
    ChunkCheckpoint.Header streamed(long index) {
        return streamIndex == index ? streamHeader : null;
    }

    /**
     * Replaces the node by {@code fresh}, rebuilt from what the log holds after checkpoint
     * {@code index} was installed: the store holds the chunk there.
     */
    void installed(RaftNode fresh, long index) {
        node = fresh;
        durable = Math.max(durable, index);
        checkpointed = Math.max(checkpointed, index);
        streamIndex = -1;
        streamHeader = null;
    }

    /** Fails every waiting request with {@code e}. */
    void failAll(ChunkException e) {
        waiting.values().forEach(w -> w.future.completeExceptionally(e));
        waiting.clear();
    }

    /**
     * @return whether a create of {@code requested} asks for this group (then it is a repeat and
     *         succeeds): the same members, mode and size. After a membership change the members
     *         to compare with are those the node follows (its logged spec catches up a tick
     *         later); a joining server's spec names the members after the change, and until the
     *         configuration that added it reaches it, its node knows none of them.
     */
    boolean isCreatedAs(GroupSpec requested) {
        Set<Integer> asked = new HashSet<>(requested.ids());
        boolean same = Arrays.equals(spec.encode(), requested.encode())
                || (new HashSet<>(node.members()).equals(asked)
                    || spec.joining() && new HashSet<>(spec.ids()).equals(asked))
                && spec.mode() == requested.mode();
        return same && spec.size() == requested.size();
    }
}
