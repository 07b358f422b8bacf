---------------------------- MODULE ParallelRaft ----------------------------
(***************************************************************************)
(* ParallelRaft as implemented in pfs (dev.pfs.parallelraft), at the level *)
(* of its rules: out-of-order acknowledge, commit and apply guarded by a   *)
(* look-behind buffer (N = 1 here), and the safe merge stage of a new      *)
(* leader (collect a quorum's logs, choose the highest stamp per index,    *)
(* drop winners contradicted by a newer successor's LBB, re-stamp, and     *)
(* replicate the merged log to a quorum before committing or serving).     *)
(* Message passing is folded into atomic actions (send + receive + ack);   *)
(* loss, delay and reordering are the freedom of choosing which action     *)
(* fires. Naive = TRUE models the paper's merge (no re-stamp, no LBB rule) *)
(* and violates LeaderCompleteness.                                         *)
(*                                                                         *)
(* To make 3 entries checkable exhaustively, the state holds nothing that  *)
(* no later step or invariant reads, each reduction argued where it is     *)
(* made: acknowledgements of a term whose leader is gone and merge bounds  *)
(* outside role S are reset (Retire, ZeroFor); which node led a term is    *)
(* not kept (elected); only the lowest committing term of an entry is kept *)
(* (AddCommitted); election and merge are one step (ElectMerge); a replica *)
(* applies everything it may in one step, like Applier.collect (ApplyAll); *)
(* only one replica, obs, applies (apply histories are independent); after *)
(* the last election, logs of non-leading non-obs nodes are out of View.   *)
(* Nodes and LBAs are symmetric (Perms).                                   *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets, TLC

CONSTANTS Node, MaxTerm, MaxIndex, Lba, NoLba, Naive, KeepKnown, MaxRestarts

Idx == 1..MaxIndex
Terms == 1..MaxTerm
Quorums == {Q \in SUBSET Node : 2 * Cardinality(Q) > Cardinality(Node)}

\* An entry: stamp (0 = hole), origin term, lba (NoLba = no-op), LBB slot for index-1: po, pl.
Hole == [stamp |-> 0, origin |-> 0, lba |-> NoLba, po |-> 0, pl |-> NoLba]

VARIABLES term, role, log, known, obs, applied, acked, elected, mbase, mend, committed, restarts

vars == <<term, role, log, known, obs, applied, acked, elected, mbase, mend, committed, restarts>>

Max(S) == CHOOSE x \in S : \A y \in S : y <= x

MaxStamp(n) == Max({log[n][i].stamp : i \in Idx} \cup {0})
LastIdx(n) == Max({i \in Idx : log[n][i].stamp > 0} \cup {0})
Cp(n) == Max({k \in 0..MaxIndex : \A j \in 1..k : j \in known[n]})
UpToDate(n, m) == MaxStamp(n) > MaxStamp(m) \/ (MaxStamp(n) = MaxStamp(m) /\ LastIdx(n) >= LastIdx(m))

Init ==
    /\ term = [n \in Node |-> 0]
    /\ role = [n \in Node |-> "F"]
    /\ log = [n \in Node |-> [i \in Idx |-> Hole]]
    /\ known = [n \in Node |-> {}]
    /\ obs \in Node
    /\ applied = [n \in Node |-> {}]
    /\ acked = [t \in Terms |-> [n \in Node |-> {}]]
    /\ elected = 0
    /\ mbase = [n \in Node |-> 0]
    /\ mend = [n \in Node |-> 0]
    /\ committed = {}
    /\ restarts = 0

\* ---- dead state is reset, so that states differing only in it are one state ----
\* acked[t] is read only by the leader of t while it is in role S or R (CommitMerge, CommitOne,
\* Learn, and written by Replicate/Propose of that leader). A leader that leaves S/R never returns to
\* them in the same term (it would need a new election, which raises its term), so when it leaves,
\* acked[t] is dead for good and is cleared. Likewise mbase/mend are read only in role S.
Leading == {"S", "R"}
Retire(S) == [t \in Terms |-> IF \E x \in S : role[x] \in Leading /\ term[x] = t
                              THEN [m \in Node |-> {}] ELSE acked[t]]
ZeroFor(f, S) == [x \in Node |-> IF x \in S THEN 0 ELSE f[x]]

\* ---- election and merge stage ----
\* Terms are won in increasing order (skipping a term only renames the later ones), so the elected
\* terms are 1..elected; which node led a term is never read again, hence not recorded.
\* n wins term t with the votes of Q: Raft's up-to-date check on (highest stamp, last index).
Wins(n, Q, t) ==
    /\ t <= MaxTerm /\ n \in Q
    /\ \A m \in Q : term[m] < t /\ UpToDate(n, m)

\* The merged log (LogMerger.merge). The leader keeps its own entries up to its commit prefix and
\* builds look-behind slots from them. KeepKnown = TRUE is the implementation: an entry the leader
\* knows committed above its prefix also stays as it is. KeepKnown = FALSE is the earlier code: such
\* an entry was re-stamped with a look-behind slot from the merge, and a replica could then apply it
\* on that slot although the merge is never committed (TLC finds apply orders that differ between
\* replicas with 3 terms, see ParallelRaftRestampKnown.cfg).
MergedLog(n, Q, t) ==
    LET base == Max({Cp(m) : m \in Q})
        end == Max({base} \cup {i \in Idx : \E m \in Q : log[m][i].stamp > 0})
        Best(i) == IF \E m \in Q : log[m][i].stamp > 0
                   THEN LET c == CHOOSE m \in Q : log[m][i].stamp > 0 /\ \A k \in Q : log[k][i].stamp <= log[m][i].stamp
                        IN log[c][i]
                   ELSE Hole
        Kept[i \in Idx] ==
            IF i <= base \/ i > end THEN Hole
            ELSE IF ~Naive /\ i < end /\ Kept[i + 1].stamp > Best(i).stamp /\ Best(i).stamp > 0
                    /\ Kept[i + 1].po # 0 /\ Kept[i + 1].po # Best(i).origin
                 THEN Hole
                 ELSE Best(i)
        Committed(i) == log[CHOOSE m \in Q : Cp(m) >= i][i]
        Own(i) == i <= Cp(n) \/ (KeepKnown /\ i \in known[n])
        Ident(i) == IF Own(i) THEN [origin |-> log[n][i].origin, lba |-> log[n][i].lba]
                    ELSE IF i <= base THEN [origin |-> Committed(i).origin, lba |-> Committed(i).lba]
                    ELSE IF Kept[i].stamp = 0 THEN [origin |-> t, lba |-> NoLba]
                    ELSE [origin |-> Kept[i].origin, lba |-> Kept[i].lba]
        Prev(i) == IF i = 1 THEN [origin |-> 0, lba |-> NoLba] ELSE Ident(i - 1)
    IN [i \in Idx |->
          IF Own(i) THEN log[n][i]
          ELSE IF i <= base THEN Committed(i)
          ELSE IF i > end THEN Hole
          ELSE IF Naive THEN (IF Kept[i].stamp = 0 THEN [stamp |-> t, origin |-> t, lba |-> NoLba, po |-> 0, pl |-> NoLba]
                              ELSE Kept[i])
          ELSE [stamp |-> t, origin |-> Ident(i).origin, lba |-> Ident(i).lba,
                po |-> Prev(i).origin, pl |-> Prev(i).lba]]

\* n wins term t = elected + 1 with the votes of Q and at once merges the logs of the quorum M
\* (M1-M5): every member of Q and M moves to term t, a member that led an older term retires, n
\* becomes "S" (merged, replicating the merged log; M6 is CommitMerge).
\* Merging election and merge into one step hides no behaviour: between them the Java winner does
\* nothing, and every step another node can take in between commutes with the election. Such a
\* step is taken by a leader L of an older term (L is not in Q, else it was retired) and touches
\* only L, nodes whose term is still L's (so not in Q) and the global commit record, while the
\* election reads and writes only Q (a later election would leave n unable to merge, since its
\* quorum and M intersect). Applying reads nothing the election writes; a crash of a member of Q
\* leaves it a follower with its leadership retired whichever comes first (a crash of n itself
\* means no merge: ElectOnly). So any behaviour with steps between the election and the merge
\* reaches the same states as one where the election is moved to just before the merge, and the
\* merge reads nothing the election wrote but n's term.
ElectMerge(n, Q, M) ==
    LET t == elected + 1
        base == Max({Cp(m) : m \in M})
        end == Max({base} \cup {i \in Idx : \E m \in M : log[m][i].stamp > 0})
    IN /\ Wins(n, Q, t) /\ n \in M
       /\ log' = [log EXCEPT ![n] = MergedLog(n, M, t)]
       /\ acked' = [Retire(Q \cup M) EXCEPT ![t] = [m \in Node |->
                       IF m = n THEN 1..end ELSE IF m \in M THEN 1..Cp(m) ELSE {}]]
       /\ known' = [known EXCEPT ![n] = @ \cup 1..base]
       /\ mbase' = [ZeroFor(mbase, Q \cup M) EXCEPT ![n] = base]
       /\ mend' = [ZeroFor(mend, Q \cup M) EXCEPT ![n] = end]
       /\ term' = [m \in Node |-> IF m \in Q \cup M THEN t ELSE term[m]]
       /\ role' = [m \in Node |-> IF m = n THEN "S" ELSE IF m \in Q \cup M THEN "F" ELSE role[m]]
       /\ elected' = t
       /\ UNCHANGED <<obs, applied, committed, restarts>>

\* n wins term t but never merges (it crashes or loses its quorum first). Such a winner takes no
\* further step in term t and is in all but name a follower of t (a later leader may write to it,
\* it may vote), so it is recorded as "F"; only the members' move to t matters to the others.
ElectOnly(n, Q) ==
    LET t == elected + 1 IN
    /\ Wins(n, Q, t)
    /\ term' = [m \in Node |-> IF m \in Q THEN t ELSE term[m]]
    /\ role' = [m \in Node |-> IF m \in Q THEN "F" ELSE role[m]]
    /\ elected' = t
    /\ acked' = Retire(Q)
    /\ mbase' = ZeroFor(mbase, Q)
    /\ mend' = ZeroFor(mend, Q)
    /\ UNCHANGED <<obs, log, known, applied, committed, restarts>>

\* ---- normal operation ----
Propose(n, l) ==
    /\ role[n] = "R" /\ LastIdx(n) < MaxIndex
    /\ LET i == LastIdx(n) + 1
           p == IF i = 1 THEN Hole ELSE log[n][i - 1]
       IN /\ log' = [log EXCEPT ![n][i] = [stamp |-> term[n], origin |-> term[n], lba |-> l,
                                          po |-> p.origin, pl |-> p.lba]]
          /\ acked' = [acked EXCEPT ![term[n]][n] = @ \cup {i}]
    /\ UNCHANGED <<obs, term, role, known, applied, elected, mbase, mend, committed, restarts>>

\* Leader n's APPEND of index i reaches m, which stores it unless m knows i committed (as
\* FollowerAppender; with KeepKnown = FALSE, the earlier code, only the commit prefix is kept and an
\* entry m knows committed above it is replaced) and acknowledges.
Replicate(n, m, i) ==
    /\ role[n] \in Leading /\ m # n /\ term[m] <= term[n] /\ log[n][i].stamp > 0
    /\ LET store == i > Cp(m) /\ (~KeepKnown \/ i \notin known[m]) /\ log[m][i] # log[n][i]
           \* m may lead an older term (not term[n]: one leader per term); then it retires.
           kept == IF role[m] \in Leading THEN [acked EXCEPT ![term[m]] = [x \in Node |-> {}]] ELSE acked
       IN /\ store \/ i \notin acked[term[n]][m] \/ term[m] # term[n] \/ role[m] # "F"
          /\ log' = IF store THEN [log EXCEPT ![m][i] = log[n][i]] ELSE log
          /\ acked' = [kept EXCEPT ![term[n]][m] = @ \cup {i}]
    /\ term' = [term EXCEPT ![m] = term[n]]
    /\ role' = [role EXCEPT ![m] = "F"]
    /\ mbase' = [mbase EXCEPT ![m] = 0]
    /\ mend' = [mend EXCEPT ![m] = 0]
    /\ UNCHANGED <<obs, known, applied, elected, committed, restarts>>

\* Records that entry (i, origin) was committed in term t. Only the lowest committing term of an
\* entry is kept: the invariants read the term only as "c[3] <= term[n]" (LeaderCompleteness), which
\* for the lowest term implies it for every higher one.
AddCommitted(S) ==
    LET all == committed \cup S
    IN {c \in all : ~\E d \in all : d[1] = c[1] /\ d[2] = c[2] /\ d[3] < c[3]}

CommitMerge(n) ==
    /\ role[n] = "S"
    /\ \E Q \in Quorums : \A m \in Q : (mbase[n] + 1)..mend[n] \subseteq acked[term[n]][m]
    /\ known' = [known EXCEPT ![n] = @ \cup 1..mend[n]]
    /\ committed' = AddCommitted({<<i, log[n][i].origin, term[n], log[n][i].lba>> : i \in 1..mend[n]})
    /\ role' = [role EXCEPT ![n] = "R"]
    /\ mbase' = [mbase EXCEPT ![n] = 0]
    /\ mend' = [mend EXCEPT ![n] = 0]
    /\ UNCHANGED <<obs, term, log, applied, acked, elected, restarts>>

\* Per-index commit after the merge. (The Java requires i > end of the merge; in role R known[n]
\* already holds 1..end, so "i \notin known[n]" implies it.)
CommitOne(n, i) ==
    /\ role[n] = "R" /\ i \notin known[n] /\ log[n][i].stamp > 0
    /\ \E Q \in Quorums : \A m \in Q : i \in acked[term[n]][m]
    /\ known' = [known EXCEPT ![n] = @ \cup {i}]
    /\ committed' = AddCommitted({<<i, log[n][i].origin, term[n], log[n][i].lba>>})
    /\ UNCHANGED <<obs, term, role, log, applied, acked, elected, mbase, mend, restarts>>

\* The leader tells m that i is committed; m acknowledged i in this term, so it holds the leader's entry.
Learn(n, m, i) ==
    /\ role[n] \in Leading /\ m # n /\ term[m] = term[n]
    /\ i \in known[n] /\ i \in acked[term[n]][m] /\ i \notin known[m]
    /\ known' = [known EXCEPT ![m] = @ \cup {i}]
    /\ UNCHANGED <<obs, term, role, log, applied, acked, elected, mbase, mend, committed, restarts>>

\* The apply rule of Applier with N = 1: may n apply committed entry i once the indices in done are applied?
MayApply(n, i, done) ==
    LET e == log[n][i] IN
    \/ e.lba = NoLba
    \/ \A j \in 1..(i - 1) :
          \/ j \in done
          \/ j \in known[n] /\ log[n][j].lba # e.lba
          \/ /\ j \notin known[n] /\ j = i - 1 /\ e.po # 0 /\ e.pl # e.lba
             /\ log[n][j].lba # e.lba

\* Applier.collect, run by every ready(): one pass up the log applying each entry the rule allows
\* given what is applied so far. MayApply(n, i, _) reads only indices below i, so one ascending pass
\* reaches the fixed point. applied[n] holds <<index, origin, lba>> of each applied entry.
RECURSIVE Pass(_, _, _)
Pass(n, i, s) ==
    IF i > MaxIndex THEN s
    ELSE LET done == {a[1] : a \in s}
         IN Pass(n, i + 1, IF i \in known[n] /\ i \notin done /\ MayApply(n, i, done)
                           THEN s \cup {<<i, log[n][i].origin, log[n][i].lba>>} ELSE s)

\* Only the replica obs (any node, chosen at the start) applies. What a replica applied is read by
\* nothing but its own later applies and the per-replica apply invariants, so the replicas' apply
\* histories are independent of each other and of everything else: checking every behaviour for
\* each choice of obs checks every replica, without the product of the three histories.
ApplyAll(n) ==
    /\ n = obs
    /\ applied' = [applied EXCEPT ![n] = Pass(n, 1, applied[n])]
    /\ applied' # applied
    /\ UNCHANGED <<obs, term, role, log, known, acked, elected, mbase, mend, committed, restarts>>

\* A crash keeps what is durable (term, log) and loses leadership, commit knowledge and applied state.
Restart(n) ==
    /\ restarts < MaxRestarts
    /\ role' = [role EXCEPT ![n] = "F"]
    /\ known' = [known EXCEPT ![n] = {}]
    /\ applied' = [applied EXCEPT ![n] = {}]
    /\ restarts' = restarts + 1
    /\ acked' = Retire({n})
    /\ mbase' = ZeroFor(mbase, {n})
    /\ mend' = ZeroFor(mend, {n})
    /\ UNCHANGED <<obs, term, log, elected, committed>>

Next ==
    \/ \E n \in Node, Q, M \in Quorums : ElectMerge(n, Q, M)
    \/ \E n \in Node, Q \in Quorums : ElectOnly(n, Q)
    \/ \E n \in Node, l \in Lba : Propose(n, l)
    \/ \E n, m \in Node, i \in Idx : Replicate(n, m, i)
    \/ \E n \in Node : CommitMerge(n)
    \/ \E n \in Node, i \in Idx : CommitOne(n, i)
    \/ \E n, m \in Node, i \in Idx : Learn(n, m, i)
    \/ \E n \in Node : ApplyAll(n)
    \/ \E n \in Node : Restart(n)

Spec == Init /\ [][Next]_vars

\* Nodes are interchangeable, and so are LBAs (the spec only compares them for equality, NoLba
\* apart): TLC explores one state per class under the product of both permutation groups.
Perms == {p @@ q : p \in Permutations(Node), q \in Permutations(Lba)}

\* What TLC fingerprints. After the last election (elected = MaxTerm) nobody votes or merges
\* again, so a node that does not lead (role "F": it never leads again) and does not apply (not
\* obs) has a log and commit knowledge that nothing reads any more: elections and merges read other
\* nodes' logs and commit prefixes, Replicate reads only the leader's log, and the invariants read
\* leaders' logs, obs's applied entries and the commit record. Writes to them (Replicate, Learn) go
\* on but have no effect on anything else, so states that differ only there are one state.
\* Likewise the committing term of an entry is read only as "c[3] <= term[n]" for leaders n
\* (LeaderCompleteness); leaders to come have terms above elected. So c[3] counts only up to the
\* lowest term >= c[3] of a node leading now (or elected + 1); no node ever leads a term between the
\* two again, so the comparison with every present and future leader is the same.
Dead(m) == elected = MaxTerm /\ role[m] = "F" /\ m # obs
Min(S) == CHOOSE x \in S : \A y \in S : x <= y
Upto(ct) == Min({term[n] : n \in {x \in Node : role[x] \in Leading /\ term[x] >= ct}} \cup {elected + 1})
View == <<term, role, [m \in Node |-> IF Dead(m) THEN Hole ELSE log[m]],
          [m \in Node |-> IF Dead(m) THEN {} ELSE known[m]],
          obs, applied, acked, elected, mbase, mend,
          {<<c[1], c[2], Upto(c[3]), c[4]>> : c \in committed}, restarts>>

\* ---- invariants ----
OneLeaderPerTerm ==
    \A n, m \in Node : (role[n] # "F" /\ role[m] # "F" /\ term[n] = term[m]) => n = m

CommittedUnique ==
    \A c, d \in committed : c[1] = d[1] => c[2] = d[2]

\* Committed-entry durability: every leader past its merge, of the committing term or later, holds it.
LeaderCompleteness ==
    \A n \in Node : role[n] \in Leading =>
        \A c \in committed : c[3] <= term[n] => log[n][c[1]].origin = c[2]

\* Apply safety: only committed entries are applied ...
OnlyCommittedApplied ==
    \A n \in Node : \A a \in applied[n] : \E c \in committed : c[1] = a[1] /\ c[2] = a[2]

\* ... and per LBA every replica applies the committed entries in index order without gaps: a
\* replica that applied an entry on l at index i has applied every entry on l committed below i,
\* at the moment it became committed or earlier (an entry is applied only once known committed, so
\* a violation of the order shows in the first state where both facts hold). Together with
\* CommittedUnique this is stronger than "per LBA, the replicas' apply sequences are prefixes of one
\* another": each replica's sequence on l is always a prefix of the committed entries on l in index
\* order, a list that only grows at its end.
ApplySafety ==
    \A n \in Node : \A a \in applied[n], c \in committed :
        (a[3] # NoLba /\ c[4] = a[3] /\ c[1] < a[1]) => \E b \in applied[n] : b[1] = c[1] /\ b[2] = c[2]
=============================================================================
