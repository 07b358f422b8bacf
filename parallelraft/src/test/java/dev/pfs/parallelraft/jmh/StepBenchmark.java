package dev.pfs.parallelraft.jmh;

import dev.pfs.parallelraft.LbaRange;
import dev.pfs.parallelraft.Message;
import dev.pfs.parallelraft.Mode;
import dev.pfs.parallelraft.RaftConfig;
import dev.pfs.parallelraft.RaftNode;
import dev.pfs.parallelraft.Ready;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The step function's cost: a 3-node group in one thread replicates, commits and applies a batch
 * of 64 writes per invocation (every message stepped, every Ready handled with no I/O). The score
 * is entries per second per core for the whole group. Run with {@code scripts/bench/parallelraft-step-jmh}.
 */
@State(Scope.Thread)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class StepBenchmark {

    private static final int BATCH = 64;

    @Param({"PARALLEL", "STRICT"})
    public String mode;

    private RaftNode[] nodes;
    private final ArrayDeque<Message> wire = new ArrayDeque<>();
    private long lba;
    private final byte[] data = new byte[16];

    @Setup(Level.Iteration)
    public void group() {
        List<Integer> ids = List.of(1, 2, 3);
        nodes = new RaftNode[4];
        for (int id : ids) {
            nodes[id] = new RaftNode(RaftConfig.defaults(id, ids).withMode(Mode.valueOf(mode)));
        }
        nodes[1].campaign();
        while (!nodes[1].readyToServe()) {
            settle();
            nodes[1].tick();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long replicateBatch() {
        for (int i = 0; i < BATCH; i++) {
            lba = (lba + 7919) % 2_000_000;
            nodes[1].propose(List.of(new LbaRange(lba, 1)), data);
        }
        settle();
        return nodes[1].appliedPrefix();
    }

    private void settle() {
        boolean busy = true;
        while (busy) {
            busy = false;
            for (int id = 1; id <= 3; id++) {
                Ready rd = nodes[id].ready();
                if (!rd.isEmpty()) {
                    busy = true;
                    wire.addAll(rd.messages());
                    nodes[id].advance(rd);
                }
            }
            for (Message m = wire.poll(); m != null; m = wire.poll()) {
                nodes[m.to()].step(m);
                busy = true;
            }
        }
    }
}
