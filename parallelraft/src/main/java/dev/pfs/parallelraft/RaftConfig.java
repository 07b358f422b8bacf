package dev.pfs.parallelraft;

import java.util.List;

/**
 * Settings of one node; validated on construction with messages that name the bad value.
 *
 * @param id             this node's id, positive
 * @param voters         ids of the group's members at its start, including {@code id}; empty for a
 *                       node joining a running group (it learns the members from its leader and does
 *                       not campaign before it is one)
 * @param mode           strict Raft or ParallelRaft
 * @param lookBehind     N: how many previous entries' ranges each entry carries (ParallelRaft), 0..64
 * @param electionTicks  ticks without a leader before campaigning (randomised up to twice this)
 * @param heartbeatTicks ticks between leader heartbeats, less than {@code electionTicks}
 * @param maxInflight    APPEND messages in flight per follower (pipelining window)
 * @param maxBatch       entries per APPEND message (batching)
 * @param preVote        run a pre-vote before raising the term
 * @param checkQuorum    leader steps down without a quorum of responses per election timeout
 * @param lbaCount       blocks in the LBA space; every range must lie in {@code [0, lbaCount)}
 * @param randomSeed     seed of the election-timeout randomisation (determinism)
 * @param naiveMerge     test-only: the paper's merge without re-stamping (unsafe)
 * @param checkpointPiece bytes per piece when a leader streams a checkpoint (128 KiB by default)
 */
public record RaftConfig(int id, List<Integer> voters, Mode mode, int lookBehind, int electionTicks,
                         int heartbeatTicks, int maxInflight, int maxBatch, boolean preVote, boolean checkQuorum,
                         long lbaCount, long randomSeed, boolean naiveMerge, int checkpointPiece) {

    /** Default size of a streamed checkpoint piece. */
    public static final int DEFAULT_CHECKPOINT_PIECE = 128 * 1024;

    /** Validates every field. */
    public RaftConfig {
        voters = List.copyOf(voters);
        require(id > 0, "id must be positive, got " + id);
        require(voters.isEmpty() || voters.contains(id), "voters " + voters + " must contain id " + id
                + " (or be empty for a joining node)");
        require(voters.stream().distinct().count() == voters.size() && voters.stream().allMatch(v -> v > 0),
                "voters must be distinct positive ids, got " + voters);
        require(mode != null, "mode must be set");
        require(lookBehind >= 0 && lookBehind <= 64, "lookBehind must be in 0..64, got " + lookBehind);
        require(heartbeatTicks >= 1, "heartbeatTicks must be >= 1, got " + heartbeatTicks);
        require(electionTicks > heartbeatTicks, "electionTicks (" + electionTicks
                + ") must exceed heartbeatTicks (" + heartbeatTicks + ")");
        require(maxInflight >= 1 && maxInflight <= 4096, "maxInflight must be in 1..4096, got " + maxInflight);
        require(maxBatch >= 1 && maxBatch <= 65536, "maxBatch must be in 1..65536, got " + maxBatch);
        require(lbaCount > 0, "lbaCount must be positive, got " + lbaCount);
        require(checkpointPiece >= 64 && checkpointPiece <= 16 << 20,
                "checkpointPiece must be in 64..16 MiB, got " + checkpointPiece);
    }

    /** Settings with the default checkpoint piece size. */
    public RaftConfig(int id, List<Integer> voters, Mode mode, int lookBehind, int electionTicks, int heartbeatTicks,
                      int maxInflight, int maxBatch, boolean preVote, boolean checkQuorum, long lbaCount,
                      long randomSeed, boolean naiveMerge) {
        this(id, voters, mode, lookBehind, electionTicks, heartbeatTicks, maxInflight, maxBatch, preVote, checkQuorum,
                lbaCount, randomSeed, naiveMerge, DEFAULT_CHECKPOINT_PIECE);
    }

    /**
     * @return defaults: ParallelRaft, N = 2, election 10 ticks, heartbeat 2, 64 in flight, batches of
     *         64, pre-vote and check-quorum on, 10 GB of 4 KB blocks
     */
    public static RaftConfig defaults(int id, List<Integer> voters) {
        return new RaftConfig(id, voters, Mode.PARALLEL, 2, 10, 2, 64, 64, true, true,
                10L * 1024 * 1024 * 1024 / 4096, id, false);
    }

    /** @return a copy in {@code newMode} */
    public RaftConfig withMode(Mode newMode) {
        return new RaftConfig(id, voters, newMode, lookBehind, electionTicks, heartbeatTicks, maxInflight, maxBatch,
                preVote, checkQuorum, lbaCount, randomSeed, naiveMerge, checkpointPiece);
    }

    /** @return a copy with another id (for building a group from one template) */
    public RaftConfig withId(int newId, long seed) {
        return new RaftConfig(newId, voters, mode, lookBehind, electionTicks, heartbeatTicks, maxInflight, maxBatch,
                preVote, checkQuorum, lbaCount, seed, naiveMerge, checkpointPiece);
    }

    /** @return a copy with the given LBA space */
    public RaftConfig withLbaCount(long blocks) {
        return new RaftConfig(id, voters, mode, lookBehind, electionTicks, heartbeatTicks, maxInflight, maxBatch,
                preVote, checkQuorum, blocks, randomSeed, naiveMerge, checkpointPiece);
    }

    /** @return a copy with another pre-vote setting */
    public RaftConfig withPreVote(boolean on) {
        return new RaftConfig(id, voters, mode, lookBehind, electionTicks, heartbeatTicks, maxInflight, maxBatch,
                on, checkQuorum, lbaCount, randomSeed, naiveMerge, checkpointPiece);
    }

    /** @return a copy with the paper's unsafe merge; only tests that show the flaw use it */
    RaftConfig withNaiveMerge() {
        return new RaftConfig(id, voters, mode, lookBehind, electionTicks, heartbeatTicks, maxInflight, maxBatch,
                preVote, checkQuorum, lbaCount, randomSeed, true, checkpointPiece);
    }

    /** @return a copy with other voters (a joining node: empty) */
    public RaftConfig withVoters(List<Integer> newVoters) {
        return new RaftConfig(id, newVoters, mode, lookBehind, electionTicks, heartbeatTicks, maxInflight, maxBatch,
                preVote, checkQuorum, lbaCount, randomSeed, naiveMerge, checkpointPiece);
    }

    /** @return a copy streaming checkpoints in pieces of {@code bytes} */
    public RaftConfig withCheckpointPiece(int bytes) {
        return new RaftConfig(id, voters, mode, lookBehind, electionTicks, heartbeatTicks, maxInflight, maxBatch,
                preVote, checkQuorum, lbaCount, randomSeed, naiveMerge, bytes);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
