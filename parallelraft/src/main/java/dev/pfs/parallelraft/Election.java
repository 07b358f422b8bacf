package dev.pfs.parallelraft;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A node's elections: campaigning (with pre-vote), granting votes under Raft's up-to-date check
 * (and ParallelRaft's compaction-point check), and counting answers among the current members.
 */
final class Election {

    private final RaftNode n;
    private final Set<Integer> granted = new HashSet<>();
    private final Set<Integer> refused = new HashSet<>();

    Election(RaftNode n) {
        this.n = n;
    }

    /**
     * Starts a pre-vote ({@code pre}) or a vote; {@code forced} marks a leadership-transfer
     * campaign that ignores leases. A node that is not a member never campaigns.
     */
    void campaign(boolean pre, boolean forced) {
        if (!n.members.contains(n.id())) {
            n.resetElectionTimer();
            return;
        }
        granted.clear();
        refused.clear();
        granted.add(n.id());
        n.leaderId = 0;
        if (pre) {
            n.role = Role.PRE_CANDIDATE;
        } else {
            n.term++;
            n.votedFor = n.id();
            n.hardStateDirty = true;
            n.role = Role.CANDIDATE;
        }
        n.resetElectionTimer();
        if (votes(granted) >= n.members.quorum()) {
            if (pre) {
                campaign(false, forced);
            } else {
                n.becomeLeader();
            }
            return;
        }
        for (int peer : n.members.current()) {
            if (peer != n.id()) {
                n.send(new Message(pre ? MessageType.PRE_VOTE : MessageType.VOTE, n.id(), peer,
                        pre ? n.term + 1 : n.term, n.log.lastIndex(), n.maxTerm, List.of(), n.committed.prefix(), null,
                        forced));
            }
        }
    }

    /**
     * Raft's check on {@code (highest stamp, last index)}; in ParallelRaft also that this node has
     * not pruned (or skipped, by installing a checkpoint) entries above the candidate's commit
     * prefix: a new leader's merge fetches everything above its commit prefix from its voters.
     */
    private boolean upToDate(Message m) {
        boolean logOk = m.logTerm() > n.maxTerm || (m.logTerm() == n.maxTerm && m.index() >= n.log.lastIndex());
        return logOk && (n.cfg.mode() == Mode.STRICT || n.log.firstIndex() - 1 <= m.commit());
    }

    RejectReason onPreVote(Message m) {
        boolean grant = m.term() > n.term && !n.inLease() && upToDate(m);
        n.send(new Message(MessageType.PRE_VOTE_RESP, n.id(), m.from(), grant ? m.term() : n.term, 0, 0, List.of(),
                0, null, !grant));
        return RejectReason.NONE;
    }

    RejectReason onVote(Message m) {
        boolean grant = (n.votedFor == 0 || n.votedFor == m.from()) && upToDate(m) && n.role != Role.LEADER;
        if (grant) {
            n.votedFor = m.from();
            n.hardStateDirty = true;
            n.heardFromLeader();
        }
        n.send(new Message(MessageType.VOTE_RESP, n.id(), m.from(), n.term, 0, 0, List.of(), 0, null, !grant));
        return RejectReason.NONE;
    }

    RejectReason onPreVoteResp(Message m) {
        if (n.role != Role.PRE_CANDIDATE || m.term() != n.term + 1) {
            return n.role == Role.PRE_CANDIDATE ? RejectReason.NONE : RejectReason.DUPLICATE;
        }
        return tally(m, true);
    }

    RejectReason onVoteResp(Message m) {
        if (n.role != Role.CANDIDATE) {
            return RejectReason.DUPLICATE;
        }
        return tally(m, false);
    }

    private RejectReason tally(Message m, boolean pre) {
        if (granted.contains(m.from()) || refused.contains(m.from())) {
            return RejectReason.DUPLICATE;
        }
        (m.reject() ? refused : granted).add(m.from());
        if (votes(granted) >= n.members.quorum()) {
            if (pre) {
                campaign(false, false);
            } else {
                n.becomeLeader();
            }
        } else if (votes(refused) >= n.members.quorum()) {
            n.becomeFollower(n.term, 0);
        }
        return RejectReason.NONE;
    }

    /** @return how many of {@code ids} are members now (answers from others do not count) */
    private int votes(Set<Integer> ids) {
        int k = 0;
        for (int v : ids) {
            k += n.members.contains(v) ? 1 : 0;
        }
        return k;
    }
}
