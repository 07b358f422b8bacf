package dev.pfs.chunkserver.replication;

import dev.pfs.parallelraft.Message;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Work handed to the {@link ReplicationAgent} from other threads; the agent alone acts on it. */
sealed interface AgentOp {
    /** Create a group (idempotent); completes once its record is durable. */
    record Create(GroupSpec spec, boolean founding, CompletableFuture<byte[]> future) implements AgentOp {
    }

    /** Change a group's members by one, at its leader; completes once the change is committed. */
    record ChangeMembers(GroupSpec next, CompletableFuture<byte[]> future) implements AgentOp {
    }

    /** A client write or read at this server; {@code entry} is the command's encoded entry payload. */
    record Propose(long chunkId, Command command, byte[] entry, CompletableFuture<byte[]> future)
            implements AgentOp {
    }

    /** Messages of one group from a peer. */
    record Inbound(long group, long incarnation, List<Message> messages) implements AgentOp {
    }

    /** The store writes of a group's parked checkpoint Ready completed ({@code failure} null) or failed. */
    record Resume(ReplicaGroup group, Throwable failure) implements AgentOp {
    }

    /** A log write finished: the rounds at the head of those in flight may be finished. */
    record Logged() implements AgentOp {
    }

    /** The store's checkpoint for in-place writes finished ({@code error} null) or failed. */
    record StoreCheckpointed(Throwable error) implements AgentOp {
    }

    /** Checkpoint bytes a leader streams from are at hand: the group's node sends them at its next Ready. */
    record Wake(ReplicaGroup group) implements AgentOp {
    }

    /** A peer this server dials answered at {@code address}, which it had not proved before. */
    record PeerProven(int peer, InetSocketAddress address) implements AgentOp {
    }

    /** Replication must stop: a write the agent handed to the store failed on the store's thread. */
    record Failed(String why, Throwable cause) implements AgentOp {
    }

    /** The one {@link Logged}: it carries nothing. */
    Logged LOGGED = new Logged();
}
