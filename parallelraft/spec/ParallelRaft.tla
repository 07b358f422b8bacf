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
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets, TLC

CONSTANTS Node, MaxTerm, MaxIndex, Lba, Naive, MaxRestarts

Idx == 1..MaxIndex
Terms == 1..MaxTerm
Quorums == {Q \in SUBSET Node : 2 * Cardinality(Q) > Cardinality(Node)}

\* An entry: stamp (0 = hole), origin term, lba (0 = no-op), LBB slot for index-1: po, pl.
Hole == [stamp |-> 0, origin |-> 0, lba |-> 0, po |-> 0, pl |-> 0]

VARIABLES term, role, log, known, applied, acked, leaderOf, mbase, mend, committed, restarts

vars == <<term, role, log, known, applied, acked, leaderOf, mbase, mend, committed, restarts>>

Max(S) == CHOOSE x \in S : \A y \in S : y <= x

MaxStamp(n) == Max({log[n][i].stamp : i \in Idx} \cup {0})
LastIdx(n) == Max({i \in Idx : log[n][i].stamp > 0} \cup {0})
Cp(n) == Max({k \in 0..MaxIndex : \A j \in 1..k : j \in known[n]})
AppliedIdx(n) == {applied[n][k][1] : k \in 1..Len(applied[n])}
UpToDate(n, m) == MaxStamp(n) > MaxStamp(m) \/ (MaxStamp(n) = MaxStamp(m) /\ LastIdx(n) >= LastIdx(m))

Init ==
    /\ term = [n \in Node |-> 0]
    /\ role = [n \in Node |-> "F"]
    /\ log = [n \in Node |-> [i \in Idx |-> Hole]]
    /\ known = [n \in Node |-> {}]
    /\ applied = [n \in Node |-> <<>>]
    /\ acked = [t \in Terms |-> [n \in Node |-> {}]]
    /\ leaderOf = [t \in Terms |-> 0]
    /\ mbase = [n \in Node |-> 0]
    /\ mend = [n \in Node |-> 0]
    /\ committed = {}
    /\ restarts = 0

\* A candidate wins term t with the votes of Q (Raft's up-to-date check on highest stamp, last index).
\* Terms are won in increasing order (skipping a term only renames the later ones).
Elect(n, Q, t) ==
    /\ leaderOf[t] = 0 /\ n \in Q /\ \A s \in 1..(t - 1) : leaderOf[s] # 0
    /\ \A m \in Q : term[m] < t /\ UpToDate(n, m)
    /\ term' = [m \in Node |-> IF m \in Q THEN t ELSE term[m]]
    /\ role' = [m \in Node |-> IF m = n THEN "M" ELSE IF m \in Q THEN "F" ELSE role[m]]
    /\ leaderOf' = [leaderOf EXCEPT ![t] = n]
    /\ UNCHANGED <<log, known, applied, acked, mbase, mend, committed, restarts>>

\* ---- merge stage ----
MergedLog(n, Q) ==
    LET t == term[n]
        base == Max({Cp(m) : m \in Q})
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
        Ident(i) == IF i <= base THEN [origin |-> Committed(i).origin, lba |-> Committed(i).lba]
                    ELSE IF Kept[i].stamp = 0 THEN [origin |-> t, lba |-> 0]
                    ELSE [origin |-> Kept[i].origin, lba |-> Kept[i].lba]
        Prev(i) == IF i = 1 THEN [origin |-> 0, lba |-> 0] ELSE Ident(i - 1)
    IN [i \in Idx |->
          IF i <= Cp(n) THEN log[n][i]
          ELSE IF i <= base THEN Committed(i)
          ELSE IF i > end THEN Hole
          ELSE IF Naive THEN (IF Kept[i].stamp = 0 THEN [stamp |-> t, origin |-> t, lba |-> 0, po |-> 0, pl |-> 0]
                              ELSE Kept[i])
          ELSE [stamp |-> t, origin |-> Ident(i).origin, lba |-> Ident(i).lba,
                po |-> Prev(i).origin, pl |-> Prev(i).lba]]

Merge(n, Q) ==
    /\ role[n] = "M" /\ n \in Q
    /\ \A m \in Q : term[m] <= term[n]
    /\ LET t == term[n]
           base == Max({Cp(m) : m \in Q})
           end == Max({base} \cup {i \in Idx : \E m \in Q : log[m][i].stamp > 0})
       IN /\ log' = [log EXCEPT ![n] = MergedLog(n, Q)]
          /\ acked' = [acked EXCEPT ![t] = [m \in Node |->
                          IF m = n THEN 1..end ELSE IF m \in Q THEN 1..Cp(m) ELSE acked[t][m]]]
          /\ known' = [known EXCEPT ![n] = known[n] \cup 1..base]
          /\ mbase' = [mbase EXCEPT ![n] = base]
          /\ mend' = [mend EXCEPT ![n] = end]
    /\ term' = [m \in Node |-> IF m \in Q THEN term[n] ELSE term[m]]
    /\ role' = [m \in Node |-> IF m = n THEN "S" ELSE IF m \in Q THEN "F" ELSE role[m]]
    /\ UNCHANGED <<applied, leaderOf, committed, restarts>>

\* ---- normal operation ----
Propose(n, l) ==
    /\ role[n] = "R" /\ LastIdx(n) < MaxIndex
    /\ LET i == LastIdx(n) + 1
           p == IF i = 1 THEN Hole ELSE log[n][i - 1]
       IN /\ log' = [log EXCEPT ![n][i] = [stamp |-> term[n], origin |-> term[n], lba |-> l,
                                          po |-> p.origin, pl |-> p.lba]]
          /\ acked' = [acked EXCEPT ![term[n]][n] = @ \cup {i}]
    /\ UNCHANGED <<term, role, known, applied, leaderOf, mbase, mend, committed, restarts>>

\* Leader n's APPEND of index i reaches m, which stores it (unless known committed) and acknowledges.
Replicate(n, m, i) ==
    /\ role[n] \in {"S", "R"} /\ m # n /\ term[m] <= term[n] /\ log[n][i].stamp > 0
    /\ log' = IF i \in known[m] THEN log ELSE [log EXCEPT ![m][i] = log[n][i]]
    /\ acked' = [acked EXCEPT ![term[n]][m] = @ \cup {i}]
    /\ term' = [term EXCEPT ![m] = term[n]]
    /\ role' = [role EXCEPT ![m] = "F"]
    /\ UNCHANGED <<known, applied, leaderOf, mbase, mend, committed, restarts>>

CommitMerge(n) ==
    /\ role[n] = "S"
    /\ \E Q \in Quorums : \A m \in Q : (mbase[n] + 1)..mend[n] \subseteq acked[term[n]][m]
    /\ known' = [known EXCEPT ![n] = @ \cup 1..mend[n]]
    /\ committed' = committed \cup {<<i, log[n][i].origin, term[n]>> : i \in 1..mend[n]}
    /\ role' = [role EXCEPT ![n] = "R"]
    /\ UNCHANGED <<term, log, applied, acked, leaderOf, mbase, mend, restarts>>

CommitOne(n, i) ==
    /\ role[n] = "R" /\ i > mend[n] /\ i \notin known[n] /\ log[n][i].stamp > 0
    /\ \E Q \in Quorums : \A m \in Q : i \in acked[term[n]][m]
    /\ known' = [known EXCEPT ![n] = @ \cup {i}]
    /\ committed' = committed \cup {<<i, log[n][i].origin, term[n]>>}
    /\ UNCHANGED <<term, role, log, applied, acked, leaderOf, mbase, mend, restarts>>

\* The leader tells m that i is committed; m acknowledged i in this term, so it holds the leader's entry.
Learn(n, m, i) ==
    /\ role[n] \in {"S", "R"} /\ m # n /\ term[m] = term[n]
    /\ i \in known[n] /\ i \in acked[term[n]][m] /\ i \notin known[m]
    /\ known' = [known EXCEPT ![m] = @ \cup {i}]
    /\ UNCHANGED <<term, role, log, applied, acked, leaderOf, mbase, mend, committed, restarts>>

\* The apply rule of Applier with N = 1.
MayApply(n, i) ==
    LET e == log[n][i] IN
    \/ e.lba = 0
    \/ \A j \in 1..(i - 1) :
          \/ j \in AppliedIdx(n)
          \/ j \in known[n] /\ log[n][j].lba # e.lba
          \/ /\ j \notin known[n] /\ j = i - 1 /\ e.po # 0 /\ e.pl # e.lba
             /\ log[n][j].lba # e.lba

Apply(n, i) ==
    /\ i \in known[n] /\ i \notin AppliedIdx(n) /\ MayApply(n, i)
    /\ applied' = [applied EXCEPT ![n] = Append(@, <<i, log[n][i].origin, log[n][i].lba>>)]
    /\ UNCHANGED <<term, role, log, known, acked, leaderOf, mbase, mend, committed, restarts>>

\* A crash keeps what is durable (term, log) and loses leadership, commit knowledge and applied state.
Restart(n) ==
    /\ restarts < MaxRestarts
    /\ role' = [role EXCEPT ![n] = "F"]
    /\ known' = [known EXCEPT ![n] = {}]
    /\ applied' = [applied EXCEPT ![n] = <<>>]
    /\ restarts' = restarts + 1
    /\ UNCHANGED <<term, log, acked, leaderOf, mbase, mend, committed>>

Next ==
    \/ \E n \in Node, Q \in Quorums, t \in Terms : Elect(n, Q, t)
    \/ \E n \in Node, Q \in Quorums : Merge(n, Q)
    \/ \E n \in Node, l \in Lba : Propose(n, l)
    \/ \E n, m \in Node, i \in Idx : Replicate(n, m, i)
    \/ \E n \in Node : CommitMerge(n)
    \/ \E n \in Node, i \in Idx : CommitOne(n, i)
    \/ \E n, m \in Node, i \in Idx : Learn(n, m, i)
    \/ \E n \in Node, i \in Idx : Apply(n, i)
    \/ \E n \in Node : Restart(n)

Spec == Init /\ [][Next]_vars

\* Nodes are interchangeable: TLC explores one state per permutation class.
Perms == Permutations(Node)

\* ---- invariants ----
OneLeaderPerTerm ==
    \A n, m \in Node : (role[n] # "F" /\ role[m] # "F" /\ term[n] = term[m]) => n = m

CommittedUnique ==
    \A c, d \in committed : c[1] = d[1] => c[2] = d[2]

\* Committed-entry durability: every leader past its merge, of the committing term or later, holds it.
LeaderCompleteness ==
    \A n \in Node : role[n] \in {"S", "R"} =>
        \A c \in committed : c[3] <= term[n] => log[n][c[1]].origin = c[2]

\* Apply safety: only committed entries are applied, and per LBA all replicas apply the same sequence.
OnlyCommittedApplied ==
    \A n \in Node : \A k \in 1..Len(applied[n]) :
        \E c \in committed : c[1] = applied[n][k][1] /\ c[2] = applied[n][k][2]

OnLba(s, l) == SelectSeq(s, LAMBDA x : x[3] = l)
IsPrefix(a, b) == Len(a) <= Len(b) /\ \A k \in 1..Len(a) : a[k] = b[k]

ApplySafety ==
    \A n, m \in Node, l \in Lba :
        IsPrefix(OnLba(applied[n], l), OnLba(applied[m], l)) \/ IsPrefix(OnLba(applied[m], l), OnLba(applied[n], l))
=============================================================================
