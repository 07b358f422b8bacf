package dev.pfs.cli.cluster;

import dev.pfs.chunkserver.client.ChunkClient;
import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.tls.ClusterTls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks every replica of a chunk who leads it, with a one-sector replicated read: the leader
 * serves it, a follower answers NOT_LEADER naming the leader it knows (or none). The replicas
 * agree when each one that answers names the same server.
 */
final class ChunkLeaders {
    private static final Duration TRY = Duration.ofSeconds(3);

    /**
     * What the replicas of one chunk say.
     *
     * @param chunk    the chunk's index in the volume
     * @param replicas the servers holding it
     * @param views    per replica: the server id it names as leader (its own when it serves), 0 for
     *                 none known, -1 when it did not answer
     * @param problems per replica that did not answer or failed, why
     */
    record View(int chunk, List<Integer> replicas, Map<Integer, Integer> views, Map<Integer, String> problems) {
        /** @return the leader every answering replica names, or 0 when they disagree or know none */
        int agreedLeader() {
            List<Integer> named = views.values().stream().filter(v -> v >= 0).distinct().toList();
            return named.size() == 1 ? named.get(0) : 0;
        }

        /** @return how many replicas name {@link #agreedLeader()} */
        long agreeing() {
            int leader = agreedLeader();
            return leader == 0 ? 0 : views.values().stream().filter(v -> v == leader).count();
        }
    }

    private ChunkLeaders() {
    }

    /** One replica's answer: the leader it names (as in {@link View#views}), and why not when -1. */
    private record Answer(int named, String problem) {
    }

    /**
     * Asks every replica of every chunk at once: one at a time, the twelve reads of a
     * three-replica volume of four chunks took 13-18 s under pgbench on a loaded machine, which
     * a leader-kill round waits for.
     *
     * @return a view per chunk, in chunk order
     */
    static List<View> all(Placement placement) throws InterruptedException {
        Map<Integer, Map<Integer, Future<Answer>>> asked = new LinkedHashMap<>();
        ClusterTls tls;
        try {
            tls = placement.loadTls();
        } catch (IOException e) {
            List<View> out = new ArrayList<>();
            for (int c = 0; c < placement.chunks(); c++) {
                Map<Integer, Integer> views = new LinkedHashMap<>();
                Map<Integer, String> problems = new LinkedHashMap<>();
                for (int id : placement.replicas().get(c)) {
                    views.put(id, -1);
                    problems.put(id, e.getMessage());
                }
                out.add(new View(c, placement.replicas().get(c), views, problems));
            }
            return out;
        }
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < placement.chunks(); c++) {
                int chunk = c;
                Map<Integer, Future<Answer>> perReplica = new LinkedHashMap<>();
                for (int id : placement.replicas().get(c)) {
                    perReplica.put(id, pool.submit(() -> ask(placement, chunk, id, tls)));
                }
                asked.put(c, perReplica);
            }
        }
        List<View> out = new ArrayList<>();
        for (Map.Entry<Integer, Map<Integer, Future<Answer>>> c : asked.entrySet()) {
            Map<Integer, Integer> views = new LinkedHashMap<>();
            Map<Integer, String> problems = new LinkedHashMap<>();
            for (Map.Entry<Integer, Future<Answer>> r : c.getValue().entrySet()) {
                Answer a;
                try {
                    a = r.getValue().get();
                } catch (ExecutionException e) {
                    a = new Answer(-1, String.valueOf(e.getCause()));
                }
                views.put(r.getKey(), a.named());
                if (a.problem() != null) {
                    problems.put(r.getKey(), a.problem());
                }
            }
            out.add(new View(c.getKey(), placement.replicas().get(c.getKey()), views, problems));
        }
        return out;
    }

    private static Answer ask(Placement placement, int chunk, int id, ClusterTls tls) throws InterruptedException {
        try (ChunkClient c = ChunkClient.connect(placement.servers().get(id), TRY, tls)) {
            c.replicatedRead(placement.chunkId(chunk), 0, ByteBuffer.allocate(512))
                    .get(TRY.toMillis(), TimeUnit.MILLISECONDS);
            return new Answer(id, null);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ChunkException ce && ce.status() == ChunkStatus.NOT_LEADER) {
                return new Answer(placement.servers().containsKey(ce.leader()) ? ce.leader() : 0, null);
            }
            return new Answer(-1, String.valueOf(e.getCause().getMessage()));
        } catch (IOException | TimeoutException e) {
            return new Answer(-1, e instanceof TimeoutException ? "no answer within " + TRY.toSeconds() + " s"
                    : String.valueOf(e.getMessage()));
        }
    }
}
