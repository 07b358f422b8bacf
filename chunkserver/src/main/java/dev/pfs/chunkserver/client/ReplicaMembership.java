package dev.pfs.chunkserver.client;

import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.replication.GroupSpec;
import dev.pfs.chunkserver.tls.ClusterTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Adds a replica to a chunk's group or removes one, from a client: the commands behind
 * {@code pfs chunk add-replica} and {@code remove-replica}, and what re-replication after a lost
 * server will use. One member at a time: an added server first holds the group as a joining
 * member (a non-voter that catches up from its leader's checkpoint and log), then the group's
 * leader commits the configuration that adds it; a removal is a configuration without it. Each
 * returns the placement with the chunk's new replica set once the change is committed; the
 * caller writes it.
 */
public final class ReplicaMembership {
    /** Longest wait for one server's answer; a leader answers once the change is committed. */
    private static final Duration TRY = Duration.ofSeconds(10);

    private ReplicaMembership() {
    }

    /**
     * Adds server {@code id} at {@code address} to chunk {@code chunk}'s group.
     *
     * @throws IllegalArgumentException when {@code id} is already a replica, or a known server under another address
     * @throws IOException              when the change did not commit within {@code deadline} (no leader with a
     *                                  quorum) or a server refused it, naming the chunk and its servers
     */
    public static Placement add(Placement p, int chunk, int id, InetSocketAddress address, Duration deadline)
            throws IOException, InterruptedException {
        List<Integer> old = replicas(p, chunk);
        if (old.contains(id)) {
            throw new IllegalArgumentException(p.describe(chunk) + ": server " + id + " is already a replica");
        }
        InetSocketAddress known = p.servers().get(id);
        if (known != null && !sameAddress(known, address)) {
            throw new IllegalArgumentException("server " + id + " is " + known.getHostString() + ":" + known.getPort()
                    + " in volume " + p.name() + ", not " + address.getHostString() + ":" + address.getPort());
        }
        Map<Integer, InetSocketAddress> servers = new LinkedHashMap<>(p.servers());
        servers.put(id, address);
        List<Integer> next = new ArrayList<>(old);
        next.add(id);
        Placement after = with(p, servers, chunk, next);
        GroupSpec joining = spec(after, chunk, true);
        try (ChunkClient c = ChunkClient.connect(address, TRY, p.loadTls())) {
            await(c.createGroup(joining.chunkId(), joining.size(), joining.encode(), false));
        } catch (ChunkException e) {
            throw new IOException(p.describe(chunk) + ": server " + id + " cannot join: " + e.getMessage(), e);
        }
        change(p, chunk, old, spec(after, chunk, false), deadline);
        return after;
    }

    /**
     * Removes server {@code id} from chunk {@code chunk}'s group; its chunk data stays on it.
     *
     * @throws IllegalArgumentException when {@code id} is not a replica of the chunk
     * @throws IOException              as for {@link #add}, also when too few members would remain
     */
    public static Placement remove(Placement p, int chunk, int id, Duration deadline)
            throws IOException, InterruptedException {
        List<Integer> old = replicas(p, chunk);
        if (!old.contains(id)) {
            throw new IllegalArgumentException(p.describe(chunk) + ": server " + id + " is not a replica");
        }
        List<Integer> next = new ArrayList<>(old);
        next.remove(Integer.valueOf(id));
        if (next.isEmpty()) {
            throw new IllegalArgumentException(p.describe(chunk) + ": cannot remove its only replica");
        }
        Placement after = with(p, p.servers(), chunk, next);
        change(p, chunk, old, spec(after, chunk, false), deadline);
        return after;
    }

    /**
     * Brings back server {@code id} after it lost its data directory (formatted afresh under the
     * same id): in every chunk it is a replica of, removes it and adds it again at its address, so
     * that it returns as a joining member that catches up from a checkpoint and the log, never as
     * a voter that forgot what it acknowledged. Each chunk's change needs its other members' quorum.
     *
     * @return the placement after the changes (the server last in those chunks' replica lists)
     * @throws IOException as for {@link #remove} and {@link #add}, naming the chunk
     */
    public static Placement rejoin(Placement p, int id, Duration deadline) throws IOException, InterruptedException {
        InetSocketAddress address = p.servers().get(id);
        if (address == null) {
            throw new IllegalArgumentException("server " + id + " is not a server of volume " + p.name());
        }
        Placement now = p;
        for (int chunk = 0; chunk < p.chunks(); chunk++) {
            if (replicas(now, chunk).contains(id)) {
                now = add(remove(now, chunk, id, deadline), chunk, id, address, deadline);
            }
        }
        return now;
    }

    /**
     * Sends the change to every current member until one, the leader, answers that it committed.
     * The others answer NOT_LEADER, having learned the members' addresses; the leader asked to
     * remove itself hands the group on and answers NOT_LEADER too, and the next pass asks its
     * successor.
     */
    private static void change(Placement p, int chunk, List<Integer> members, GroupSpec next, Duration deadline)
            throws IOException, InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        ClusterTls tls = p.loadTls();
        String last = "no answer";
        long backoff = 50;
        while (true) {
            boolean done = false;
            for (int id : members) {
                try (ChunkClient c = ChunkClient.connect(p.servers().get(id), TRY, tls)) {
                    await(c.changeMembers(next.chunkId(), next.encode()));
                    done = true;
                } catch (ChunkException e) {
                    if (e.status() == ChunkStatus.MALFORMED) {
                        throw new IOException(p.describe(chunk) + ": server " + id + " refused the change: "
                                + e.getMessage(), e);
                    }
                    last = "server " + id + ": " + e.status() + (e.getMessage().isEmpty() ? "" : " " + e.getMessage());
                } catch (IOException e) {
                    last = "server " + id + ": " + e.getMessage();
                }
            }
            if (done) {
                return;
            }
            if (System.nanoTime() - end > 0) {
                throw new IOException(p.describe(chunk) + ": no leader with a quorum committed the change to "
                        + next.ids() + " within " + deadline.toMillis() + " ms (last: " + last + ")");
            }
            Thread.sleep(backoff);
            backoff = Math.min(1000, backoff * 2);
        }
    }

    private static void await(java.util.concurrent.CompletableFuture<Void> f)
            throws IOException, InterruptedException {
        try {
            f.get(TRY.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("no answer within " + TRY.toMillis() + " ms", e);
        }
    }

    private static List<Integer> replicas(Placement p, int chunk) {
        if (chunk < 0 || chunk >= p.chunks()) {
            throw new IllegalArgumentException("volume " + p.name() + " has chunks 0 to " + (p.chunks() - 1)
                    + ", not " + chunk);
        }
        return p.replicas().get(chunk);
    }

    private static Placement with(Placement p, Map<Integer, InetSocketAddress> servers, int chunk, List<Integer> r) {
        List<List<Integer>> replicas = new ArrayList<>(p.replicas());
        replicas.set(chunk, r);
        return new Placement(p.name(), p.volumeId(), p.size(), p.chunkSize(), servers, replicas, p.mode(), p.tls());
    }

    private static GroupSpec spec(Placement p, int chunk, boolean joining) {
        GroupSpec g = p.group(chunk);
        return new GroupSpec(g.chunkId(), g.size(), g.members(), g.mode(), joining);
    }

    private static boolean sameAddress(InetSocketAddress a, InetSocketAddress b) {
        return a.getHostString().equals(b.getHostString()) && a.getPort() == b.getPort();
    }
}
