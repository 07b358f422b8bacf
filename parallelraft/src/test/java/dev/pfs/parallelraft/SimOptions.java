package dev.pfs.parallelraft;

/**
 * Knobs of one simulation run.
 *
 * @param mode        replication mode
 * @param nodes       group size
 * @param chaosMicros simulated time with faults and client load
 * @param iodepth     concurrent client writes
 * @param lbaCount    LBA space (small in tests so writes overlap)
 * @param maxBlocks   largest write, in blocks
 * @param faults      inject faults (crashes, partitions, loss, duplication, transfers)
 * @param delayScale  median one-way delay in microseconds
 * @param paretoAlpha tail index of the delay distribution (smaller: heavier tail)
 * @param naiveMerge  run the paper's unsafe merge
 */
record SimOptions(Mode mode, int nodes, long chaosMicros, int iodepth, long lbaCount, int maxBlocks, boolean faults,
                  long delayScale, double paretoAlpha, boolean naiveMerge) {

    /** Simulated microseconds of chaos per run; {@code pfs.raft.chaosMicros} lengthens soaks. */
    static final long CHAOS_MICROS = Long.getLong("pfs.raft.chaosMicros", 300_000);

    static SimOptions chaos(Mode mode, int nodes) {
        return new SimOptions(mode, nodes, CHAOS_MICROS, 4, 64, 4, true, 200, 1.3, false);
    }
}
