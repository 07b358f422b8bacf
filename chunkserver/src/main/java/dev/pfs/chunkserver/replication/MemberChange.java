package dev.pfs.chunkserver.replication;

import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.parallelraft.RejectReason;
import dev.pfs.parallelraft.Role;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Membership changes of the groups this server leads, on the agent's thread: checks a request
 * (one member added or removed, never below {@link #MIN_MEMBERS}), proposes it through the
 * library and answers it once the configuration entry is committed ({@link #poll}). Kept apart
 * from the agent's round so that the round itself does not change.
 */
final class MemberChange {
    /**
     * Fewest members a removal may leave. Two is what replacing a replica of a three-member group
     * passes through (remove it, then add its successor); one member would be a group whose every
     * write rests on one disk.
     */
    static final int MIN_MEMBERS = 2;

    /** A change waiting for its configuration entry to commit. */
    private record Pending(ReplicaGroup group, Set<Integer> next, CompletableFuture<byte[]> future) {
    }

    private final int self;
    private final PeerLinks links;
    private final Map<Long, Pending> pending = new HashMap<>();
    /**
     * Per group, addresses named by change requests this server saw (as leader or not): what it
     * logs with the group's members once a change commits, so that it can reach a member added
     * while another server led, should it lead later or restart.
     */
    private final Map<Long, Map<Integer, InetSocketAddress>> learned = new HashMap<>();

    MemberChange(int self, PeerLinks links) {
        this.self = self;
        this.links = links;
    }

    /**
     * Starts the change of {@code g} to {@code next}'s members, or fails {@code future} at once:
     * NOT_LEADER (naming the leader) when this server does not lead the group, MALFORMED when
     * {@code next} does not add or remove exactly one member or leaves too few, TIMED_OUT (try
     * again) while another change of the group is under way.
     */
    void start(ReplicaGroup g, GroupSpec next, CompletableFuture<byte[]> future) {
        long chunk = g.spec.chunkId();
        // Every member is told (the client sends the request to all of them), the leader last.
        learned.computeIfAbsent(chunk, c -> new LinkedHashMap<>()).putAll(next.members());
        next.members().forEach(links::learn);
        if (g.node.role() != Role.LEADER) {
            future.completeExceptionally(g.notLeader());
            return;
        }
        List<Integer> current = g.node.members();
        String bad = invalid(chunk, current, next.ids());
        if (bad != null) {
            future.completeExceptionally(new ChunkException(ChunkStatus.MALFORMED, bad));
            return;
        }
        if (pending.containsKey(chunk)) {
            future.completeExceptionally(new ChunkException(ChunkStatus.TIMED_OUT, "chunk " + chunk
                    + ": a membership change is already under way on server " + self));
            return;
        }
        if (!next.members().containsKey(self)) {
            // A leader removing itself would step down at the commit, and a client could not tell
            // that from a leader deposed before it: it hands the group to another member first and
            // the client asks that one.
            for (int other : next.ids()) {
                if (g.node.caughtUp(other, RaftSettings.MAX_BATCH * 16L) && g.node.transferLeadership(other)) {
                    break;
                }
            }
            future.completeExceptionally(g.notLeader());
            return;
        }
        RejectReason r = g.node.proposeMembership(next.ids());
        if (r == RejectReason.NOT_LEADER) {
            future.completeExceptionally(g.notLeader());
        } else if (r != RejectReason.NONE) {
            future.completeExceptionally(new ChunkException(ChunkStatus.TIMED_OUT, "chunk " + chunk + ": server " + self
                    + " cannot change its members now (" + r + "); try again"));
        } else {
            pending.put(chunk, new Pending(g, new HashSet<>(next.ids()), future));
        }
    }

    /**
     * @return why {@code next} is not a change of {@code current} by one member, or null
     */
    static String invalid(long chunk, List<Integer> current, List<Integer> next) {
        Set<Integer> added = new HashSet<>(next);
        added.removeAll(current);
        Set<Integer> removed = new HashSet<>(current);
        removed.removeAll(next);
        if (added.isEmpty() && removed.isEmpty()) {
            return "chunk " + chunk + ": members " + next + " are already the group's members";
        }
        if (added.size() + removed.size() != 1) {
            return "chunk " + chunk + ": members " + next + " differ from the group's " + current
                    + " by more than one server; add or remove one at a time";
        }
        if (!removed.isEmpty() && next.size() < MIN_MEMBERS) {
            return "chunk " + chunk + ": removing server " + removed.iterator().next() + " would leave "
                    + next.size() + " member(s) " + next + "; at least " + MIN_MEMBERS + " must remain";
        }
        return null;
    }

    /**
     * Answers the changes whose configuration committed (this node follows the new members and
     * takes proposals again) and fails those whose leader lost its leadership (their outcome is
     * unknown: the caller reads the members again).
     */
    void poll() {
        for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.group.node.readyToServe() && new HashSet<>(p.group.node.members()).equals(p.next)) {
                it.remove();
                p.future.complete(null);
            } else if (p.group.node.role() != Role.LEADER) {
                it.remove();
                p.future.completeExceptionally(p.group.notLeader());
            }
        }
    }

    /**
     * Once {@code g}'s newest configuration is committed here and names other members than its
     * logged spec, returns the spec to log now: the members it follows with every address known
     * (its old spec's and those requests named), in their old order, added ones last; for a
     * server that joined, its spec as a founding member. A removed server gets its old spec marked
     * joining (a non-voter at restart) and the caller stops serving the group.
     * With the configuration committed, recovery takes the members from the log or the hard
     * state, never from this spec's list: it is the group's address book and preferred leader.
     *
     * @return the spec to log, or null when there is nothing to change
     */
    GroupSpec settle(ReplicaGroup g) {
        if (g.membersSettled()) {
            // Asked of every group on every tick: nothing changed since the last answer (the
            // common case), so it costs a few comparisons.
            return null;
        }
        List<Integer> members = g.node.members();
        if (members.isEmpty() || g.node.commitPrefix() < g.configIndex) {
            return null;
        }
        boolean member = members.contains(self);
        if (g.spec.joining() && !member) {
            // Still joining, or removed before it joined: asked again next tick.
            return null;
        }
        if (!g.spec.joining() && new HashSet<>(members).equals(new HashSet<>(g.spec.ids()))) {
            g.markMembersSettled();
            return null;
        }
        Map<Integer, InetSocketAddress> known = new LinkedHashMap<>(g.spec.members());
        known.putAll(learned.getOrDefault(g.spec.chunkId(), Map.of()));
        Map<Integer, InetSocketAddress> next = new LinkedHashMap<>();
        for (int id : g.spec.ids()) {
            if (members.contains(id)) {
                next.put(id, known.get(id));
            }
        }
        for (int id : members) {
            if (!next.containsKey(id) && known.containsKey(id)) {
                next.put(id, known.get(id));
            }
        }
        if (!next.keySet().containsAll(members) && member) {
            // An added member's address is unknown here (no request reached this server): log
            // what is known once it is, and reach it meanwhile through its own link.
            return null;
        }
        if (!member) {
            // Logged as joining: a restart rebuilds it as a non-voter, which the log's
            // configuration confirms it is.
            learned.remove(g.spec.chunkId());
            return new GroupSpec(g.spec.chunkId(), g.spec.size(), g.spec.members(), g.spec.mode(), true);
        }
        return new GroupSpec(g.spec.chunkId(), g.spec.size(), next, g.spec.mode(), false);
    }

    /** Fails every waiting change (replication stopped). */
    void failAll(Throwable t) {
        List<Pending> all = new ArrayList<>(pending.values());
        pending.clear();
        all.forEach(p -> p.future.completeExceptionally(t));
    }
}
