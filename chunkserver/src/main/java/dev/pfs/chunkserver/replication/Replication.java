package dev.pfs.chunkserver.replication;

import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.store.ChunkStore;
import dev.pfs.chunkserver.tls.ClusterTls;
import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.IdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This server's side of replicated chunks: the groups it is a member of, their log, their
 * links to the other servers. Requests from clients and frames from peers come in from the
 * event loops and are handed to one agent thread ({@link ReplicationAgent}); every call returns
 * at once. Idle, the agent parks until work arrives, waking once per tick only while it holds
 * groups.
 */
public final class Replication implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Replication.class);

    private final ReplicationAgent agent;
    private final PeerLinks links;
    private final AgentRunner runner;
    private volatile Thread parked;
    private volatile boolean closed;

    private Replication(int self, BlockVolume logVolume, ChunkStore store, ClusterTls tls) throws VolumeException {
        Map<Long, ReplicationLog.Recovered> recovered = new LinkedHashMap<>();
        ReplicationLog log = ReplicationLog.recover(logVolume, recovered);
        this.links = new PeerLinks(self, this::receive, tls);
        this.agent = new ReplicationAgent(self, log, store, links, recovered, this::wakeAgent);
        this.runner = new AgentRunner(new Idle(), Replication::agentFailed, null, agent);
        AgentRunner.startOnThread(runner, r -> Thread.ofPlatform().name("pfs-replication").daemon().unstarted(r));
    }

    /**
     * Recovers every group from the replication log on {@code logVolume} and starts driving them.
     *
     * @param self this server's id (its member id in every group)
     */
    public static Replication open(int self, BlockVolume logVolume, ChunkStore store) throws VolumeException {
        return open(self, logVolume, store, null);
    }

    /**
     * Opens replication whose peer links dial with {@code tls} (null: plain TCP); peers must
     * present a certificate of the same cluster CA to this server's listener.
     */
    public static Replication open(int self, BlockVolume logVolume, ChunkStore store, ClusterTls tls)
            throws VolumeException {
        if (self <= 0) {
            throw new IllegalArgumentException("server id must be positive, got " + self);
        }
        return new Replication(self, logVolume, store, tls);
    }

    private static void agentFailed(Throwable t) {
        if (!(t instanceof AgentTerminationException)) {
            LOG.error("replication agent: {}", t.toString(), t);
        }
    }

    /** Parks until woken, or until the next tick while groups exist. */
    private final class Idle implements IdleStrategy {
        @Override
        public void idle(int workCount) {
            if (workCount == 0) {
                idle();
            }
        }

        @Override
        public void idle() {
            parked = Thread.currentThread();
            // Once closing, never park: AgentRunner.close only ends the loop, it does not unpark.
            if (agent.queue.isEmpty() && !closed) {
                long nanos = agent.idleNanos();
                if (nanos < 0) {
                    LockSupport.park(this);
                } else if (nanos > 0) {
                    LockSupport.parkNanos(this, nanos);
                }
            }
            parked = null;
        }

        @Override
        public void reset() {
        }
    }

    /** Unparks the agent's thread, if it is parked, after work was queued. */
    private void wakeAgent() {
        Thread t = parked;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private <T> CompletableFuture<T> submit(AgentOp op, CompletableFuture<T> f) {
        if (closed) {
            f.completeExceptionally(new ChunkException(ChunkStatus.CLOSED, "replication closed"));
            return f;
        }
        agent.queue.add(op);
        Thread t = parked;
        if (t != null) {
            LockSupport.unpark(t);
        }
        return f;
    }

    /**
     * Makes this server a member of {@code spec}'s group, creating its chunk; idempotent; durable
     * on completion. A group this server does not hold is created only when {@code founding} (its
     * volume is being created) or when {@code spec} joins it; otherwise the answer is
     * UNKNOWN_CHUNK: this server may have lost the group with its data, and a voter that forgot
     * what it acknowledged could elect a server that lacks an acknowledged write.
     */
    public CompletableFuture<Void> createGroup(GroupSpec spec, boolean founding) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        return submit(new AgentOp.Create(spec, founding, f), f).thenApply(b -> null);
    }

    /**
     * Changes the group of {@code next}'s chunk to {@code next}'s members (one added or one
     * removed) at its leader; completes once the configuration entry is committed. Fails with
     * NOT_LEADER naming the leader elsewhere, MALFORMED for a change that is not by one member.
     */
    public CompletableFuture<Void> changeMembers(GroupSpec next) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        return submit(new AgentOp.ChangeMembers(next, f), f).thenApply(b -> null);
    }

    /**
     * Writes {@code data} at {@code offset} of the chunk through its group; completes once a
     * majority of the group holds the write durably, or fails with NOT_LEADER naming the leader,
     * or with STALE_TRY if the group logged a later try generation than {@code generation} (the
     * client's, raised whenever a try of its may still arrive: docs/replication.md "Late tries").
     */
    public CompletableFuture<Void> write(long chunkId, long epoch, long generation, long offset, ByteBuf data) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        Command c = new Command(Command.Kind.WRITE, epoch, generation, offset, data.readableBytes());
        // Encoded here, on the connection's event loop: the payload's one copy stays off the agent's thread.
        return submit(new AgentOp.Propose(chunkId, c, c.encode(data), f), f).thenApply(b -> null);
    }

    /**
     * Raises the group's writer epoch to {@code epoch} through its log; completes once committed.
     * Refused with STALE_EPOCH if the group's log holds a newer one.
     */
    public CompletableFuture<Void> fence(long chunkId, long epoch) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        Command c = new Command(Command.Kind.FENCE, epoch, 0, 0, ReplicaGroup.SECTOR);
        return submit(new AgentOp.Propose(chunkId, c, c.encode(), f), f).thenApply(b -> null);
    }

    /** Reads {@code length} bytes at {@code offset} at the group's leader, after every write committed before. */
    public CompletableFuture<byte[]> read(long chunkId, long offset, int length) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        Command c = new Command(Command.Kind.READ, 0, 0, offset, length);
        return submit(new AgentOp.Propose(chunkId, c, c.encode(), f), f);
    }

    /**
     * Takes the messages of a RAFT frame from a peer (any thread); malformed ones are counted and
     * dropped. {@code incarnation} is the frame's epoch field: non-zero while the sender's replica
     * of the group holds nothing committed (see {@code ReplicaGroup.incarnation}).
     */
    public void receive(long group, long incarnation, ByteBuffer messages) {
        try {
            submit(new AgentOp.Inbound(group, incarnation, RaftCodec.decodeMessages(messages)),
                    new CompletableFuture<>());
        } catch (IllegalArgumentException e) {
            agent.counters.refused.incrementAndGet();
        }
    }

    /** A peer with a lower id said HELLO on {@code ch}: messages to it go there. */
    public void hello(int peer, Channel ch) {
        links.accepted(peer, ch);
    }

    /**
     * @return counters: messages for unknown groups, refused messages, log writes, Readies handled,
     *         rewrites of the log that reclaimed space, writes refused because the log was full,
     *         groups whose leadership this server handed back to their preferred leader,
     *         checkpoints installed and their pieces, members released and forgotten, prunes of a
     *         group's log behind its checkpoint, times a
     *         group's node here became leader, and nanoseconds rounds waited for their log writes
     */
    public Map<String, Long> counters() {
        return agent.counters.asMap(agent.reclaims(), agent.checkpointPieces());
    }

    /** @return groups this server is a member of */
    public int groups() {
        return agent.counters.groupCount;
    }

    /** @return groups this server leads */
    public int leading() {
        return agent.counters.leading;
    }

    /** @return why replication stopped, or null */
    public String failure() {
        return agent.failure();
    }

    /** Stops the agent and closes the links; requests in flight stay unanswered (their clients time out). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Thread t = parked;
        if (t != null) {
            LockSupport.unpark(t);
        }
        runner.close();
        links.close();
    }
}
