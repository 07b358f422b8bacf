package dev.pfs.cli.cluster;

import dev.pfs.chunkserver.client.ChunkClient;
import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.tls.ClusterTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
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

    static View of(Placement placement, int chunk) throws InterruptedException {
        List<Integer> replicas = placement.replicas().get(chunk);
        Map<Integer, Integer> views = new LinkedHashMap<>();
        Map<Integer, String> problems = new LinkedHashMap<>();
        ClusterTls tls;
        try {
            tls = placement.loadTls();
        } catch (IOException e) {
            replicas.forEach(id -> {
                views.put(id, -1);
                problems.put(id, e.getMessage());
            });
            return new View(chunk, replicas, views, problems);
        }
        for (int id : replicas) {
            try (ChunkClient c = ChunkClient.connect(placement.servers().get(id), TRY, tls)) {
                c.replicatedRead(placement.chunkId(chunk), 0, ByteBuffer.allocate(512))
                        .get(TRY.toMillis(), TimeUnit.MILLISECONDS);
                views.put(id, id);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof ChunkException ce && ce.status() == ChunkStatus.NOT_LEADER) {
                    views.put(id, named(placement, ce.getMessage()));
                } else {
                    views.put(id, -1);
                    problems.put(id, String.valueOf(e.getCause().getMessage()));
                }
            } catch (IOException | TimeoutException e) {
                views.put(id, -1);
                problems.put(id, e instanceof TimeoutException ? "no answer within " + TRY.toSeconds() + " s"
                        : String.valueOf(e.getMessage()));
            }
        }
        return new View(chunk, replicas, views, problems);
    }

    /** @return the server a NOT_LEADER message names ("...: host:port"), or 0 */
    private static int named(Placement placement, String message) {
        int at = message.lastIndexOf(": ");
        String hostPort = at < 0 ? message : message.substring(at + 2);
        for (Map.Entry<Integer, InetSocketAddress> s : placement.servers().entrySet()) {
            if (hostPort.equals(s.getValue().getHostString() + ":" + s.getValue().getPort())) {
                return s.getKey();
            }
        }
        return 0;
    }
}
