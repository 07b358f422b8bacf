---------------------------- MODULE StrictRestart ----------------------------
(***************************************************************************)
(* Strict mode of dev.pfs.parallelraft when the caller persists several    *)
(* Readies at once: a node's writes land on its disk in any order, a crash *)
(* keeps exactly what landed (holes included), and a restart keeps the     *)
(* contiguous prefix of its disk (RaftNode's constructor). What the model  *)
(* checks is the pair of rules issue 14 fixed: a leader counts itself only *)
(* for what it holds durably (CountCommit = FALSE; TRUE is the old code,   *)
(* which counted its in-memory commit prefix), and a restart that drops    *)
(* the entries above a hole drops them on disk too (TruncateDisk = TRUE;   *)
(* FALSE is the old code, which dropped them in memory only).              *)
(*                                                                         *)
(* An entry is its index and stamp (one leader per term writes an index    *)
(* once). Messages are folded into atomic steps as in ParallelRaft.tla:    *)
(* loss, delay and reordering are the freedom of choosing which step fires.*)
(* A follower's truncation lands at once with the APPEND that causes it:   *)
(* the Ready carrying it runs alone and before every later one (Ready's    *)
(* rule 3), and a crash that loses it leaves the state the APPEND never    *)
(* arriving would, since its answer leaves only after it is durable.       *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets, TLC

CONSTANTS Node, MaxTerm, MaxIndex, MaxRestarts, CountCommit, TruncateDisk

Idx == 1..MaxIndex
Quorums == {Q \in SUBSET Node : 2 * Cardinality(Q) > Cardinality(Node)}

VARIABLES
    term,      \* current term (durable with the vote before any message leaves)
    role,      \* "L" or "F"
    mem,       \* in-memory log: index -> stamp, 0 = none (contiguous from 1)
    disk,      \* what landed: index -> stamp, 0 = none (holes possible)
    pend,      \* indices whose in-memory entry is not yet durable
    mcommit,   \* in-memory commit prefix (a follower learns it from APPENDs)
    match,     \* prefix known to match the leader of term[n] (FollowerAppender.matchIndex)
    scount,    \* CountCommit: the commit prefix a leader counted itself for at its election
    committed, \* <<index, stamp, committing term>> of every entry committed so far
    elected, restarts

vars == <<term, role, mem, disk, pend, mcommit, match, scount, committed, elected, restarts>>

Max(S) == CHOOSE x \in S : \A y \in S : y <= x
Prefix(S) == Max({k \in 0..MaxIndex : 1..k \subseteq S})
LastIdx(n) == Max({i \in Idx : mem[n][i] > 0} \cup {0})
MaxStamp(n) == Max({mem[n][i] : i \in Idx} \cup {0})
\* RaftNode's up-to-date check: highest stamp in the log, then last index.
UpToDate(n, m) == MaxStamp(n) > MaxStamp(m) \/ (MaxStamp(n) = MaxStamp(m) /\ LastIdx(n) >= LastIdx(m))
Durable(n) == {i \in Idx : mem[n][i] > 0 /\ i \notin pend[n]}
\* What leader n counts itself for (Leader.start and persisted).
Self(n) == Prefix(Durable(n) \cup (IF CountCommit THEN 1..scount[n] ELSE {}))

Init ==
    /\ term = [n \in Node |-> 0]
    /\ role = [n \in Node |-> "F"]
    /\ mem = [n \in Node |-> [i \in Idx |-> 0]]
    /\ disk = [n \in Node |-> [i \in Idx |-> 0]]
    /\ pend = [n \in Node |-> {}]
    /\ mcommit = [n \in Node |-> 0]
    /\ match = [n \in Node |-> 0]
    /\ scount = [n \in Node |-> 0]
    /\ committed = {}
    /\ elected = 0
    /\ restarts = 0

\* n wins term elected + 1 with the votes of Q (terms are won in increasing order).
Elect(n, Q) ==
    LET t == elected + 1 IN
    /\ t <= MaxTerm /\ n \in Q
    /\ \A m \in Q : term[m] < t /\ UpToDate(n, m)
    /\ term' = [m \in Node |-> IF m \in Q THEN t ELSE term[m]]
    /\ role' = [m \in Node |-> IF m = n THEN "L" ELSE IF m \in Q THEN "F" ELSE role[m]]
    /\ match' = [m \in Node |-> IF m \in Q THEN 0 ELSE match[m]]
    /\ scount' = [scount EXCEPT ![n] = IF CountCommit THEN mcommit[n] ELSE 0]
    /\ mcommit' = [mcommit EXCEPT ![n] = IF CountCommit THEN @ ELSE 0]
    /\ elected' = t
    /\ UNCHANGED <<mem, disk, pend, committed, restarts>>

\* The leader appends an entry of its term (the no-op at election, or a write).
Propose(n) ==
    /\ role[n] = "L" /\ LastIdx(n) < MaxIndex
    /\ LET i == LastIdx(n) + 1 IN
       /\ mem' = [mem EXCEPT ![n][i] = term[n]]
       /\ pend' = [pend EXCEPT ![n] = @ \cup {i}]
    /\ UNCHANGED <<term, role, disk, mcommit, match, scount, committed, elected, restarts>>

\* Leader n's entries 1..j reach m (an APPEND whose previous entry matches, after any probing),
\* with the leader's commit prefix: m truncates at the first conflict, stores the rest (not yet
\* durable) and learns the commit prefix up to j (FollowerAppender.appendStrict).
Replicate(n, m, j) ==
    /\ role[n] = "L" /\ m # n /\ term[m] <= term[n] /\ j \in 1..LastIdx(n)
    /\ LET conflicts == {i \in 1..j : mem[m][i] # mem[n][i]}
           c == IF conflicts = {} THEN j + 1 ELSE CHOOSE i \in conflicts : \A k \in conflicts : i <= k
           keep(i) == i < c \/ (conflicts = {} /\ i > j)
       IN /\ mem' = [mem EXCEPT ![m] = [i \in Idx |-> IF i <= j THEN mem[n][i] ELSE IF keep(i) THEN mem[m][i] ELSE 0]]
          /\ disk' = [disk EXCEPT ![m] = [i \in Idx |-> IF i < c THEN disk[m][i] ELSE IF keep(i) THEN disk[m][i] ELSE 0]]
          /\ pend' = [pend EXCEPT ![m] = {i \in @ : keep(i)} \cup (c..j)]
    /\ match' = [match EXCEPT ![m] = IF term[m] = term[n] THEN Max({@, j}) ELSE j]
    /\ mcommit' = [mcommit EXCEPT ![m] = Max({@, IF mcommit[n] < j THEN mcommit[n] ELSE j})]
    /\ term' = [term EXCEPT ![m] = term[n]]
    /\ role' = [role EXCEPT ![m] = "F"]
    /\ UNCHANGED <<scount, committed, elected, restarts>>

\* One of n's writes lands (in any order).
Land(n, i) ==
    /\ i \in pend[n]
    /\ disk' = [disk EXCEPT ![n][i] = mem[n][i]]
    /\ pend' = [pend EXCEPT ![n] = @ \ {i}]
    /\ UNCHANGED <<term, role, mem, mcommit, match, scount, committed, elected, restarts>>

\* What follower m acknowledges to the leader of its term: the prefix that matches it and is
\* durable and contiguous (FollowerAppender.bound). The acknowledgement is folded into the commit:
\* the leader counts what m would acknowledge now (a lost or late acknowledgement is a commit
\* taken later or never; a follower's restart, which resets match, only delays it).
AckOf(m) == IF match[m] < Prefix(Durable(m)) THEN match[m] ELSE Prefix(Durable(m))

\* Leader n commits up to the highest k it can, an entry of its term, with a quorum of
\* acknowledgements (its own: Self). Committing less first only adds states that commit the rest later.
Counted(n, k) == \E Q \in Quorums : \A m \in Q : IF m = n THEN Self(n) >= k ELSE term[m] = term[n] /\ AckOf(m) >= k
Commit(n) ==
    LET ks == {k \in Idx : k > mcommit[n] /\ mem[n][k] = term[n] /\ Counted(n, k)}
        k == Max(ks)
    IN /\ role[n] = "L" /\ ks # {}
       /\ mcommit' = [mcommit EXCEPT ![n] = k]
       /\ committed' = committed \cup {<<i, mem[n][i], term[n]>> : i \in 1..k}
       /\ UNCHANGED <<term, role, mem, disk, pend, match, scount, elected, restarts>>

\* A crash and restart: the node keeps the contiguous prefix of its disk (its term and vote are
\* durable); TruncateDisk: the first Ready's truncateAfter drops the rest on disk too.
Restart(n) ==
    LET k == Prefix({i \in Idx : disk[n][i] > 0})
        kept == [i \in Idx |-> IF i <= k THEN disk[n][i] ELSE 0]
    IN /\ restarts < MaxRestarts
       /\ mem' = [mem EXCEPT ![n] = kept]
       /\ disk' = IF TruncateDisk THEN [disk EXCEPT ![n] = kept] ELSE disk
       /\ pend' = [pend EXCEPT ![n] = {}]
       /\ role' = [role EXCEPT ![n] = "F"]
       /\ mcommit' = [mcommit EXCEPT ![n] = 0]
       /\ match' = [match EXCEPT ![n] = 0]
       /\ restarts' = restarts + 1
       /\ UNCHANGED <<term, scount, committed, elected>>

Next ==
    \/ \E n \in Node, Q \in Quorums : Elect(n, Q)
    \/ \E n \in Node : Propose(n)
    \/ \E n, m \in Node, j \in Idx : Replicate(n, m, j)
    \/ \E n \in Node, i \in Idx : Land(n, i)
    \/ \E n \in Node : Commit(n)
    \/ \E n \in Node : Restart(n)

Spec == Init /\ [][Next]_vars

Perms == Permutations(Node)

\* What TLC fingerprints: without CountCommit a follower's commit prefix is read by nothing but
\* the APPENDs it would send as a leader, and a new leader starts from 0 (see Elect: the
\* commit prefix is then only a lower bound for Commit and for what followers learn, and neither
\* matters to what the invariants read), so it is left out for followers.
View == <<term, role, mem, disk, pend,
          [n \in Node |-> IF CountCommit \/ role[n] = "L" THEN mcommit[n] ELSE 0],
          match, scount, committed, elected, restarts>>

\* ---- invariants ----
CommittedUnique == \A c, d \in committed : c[1] = d[1] => c[2] = d[2]

\* A leader of the committing term or later holds every committed entry.
LeaderCompleteness ==
    \A n \in Node : role[n] = "L" => \A c \in committed : c[3] <= term[n] => mem[n][c[1]] = c[2]
=============================================================================
