package dev.pfs.parallelraft;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SimulationTest {

    static final int SEEDS = Integer.getInteger("pfs.raft.seeds", 500);
    static final long FIRST = Long.getLong("pfs.raft.firstSeed", 1);

    @Test
    @Timeout(300)
    void parallelRaftSurvivesChaosForEverySeed() {
        runSeeds(Mode.PARALLEL);
    }

    @Test
    @Timeout(300)
    void strictRaftSurvivesChaosForEverySeed() {
        runSeeds(Mode.STRICT);
    }

    private static void runSeeds(Mode mode) {
        long acked = 0;
        for (long s = FIRST; s < FIRST + SEEDS; s++) {
            Simulation sim = new Simulation(s, SimOptions.chaos(mode, s % 2 == 0 ? 3 : 5));
            sim.run();
            acked += sim.acked;
        }
        System.out.printf("%s: %d seeds, %d acknowledged writes checked%n", mode, SEEDS, acked);
        assertThat(acked).isPositive();
    }
}
