package dev.pfs.chunkserver.replication;

import dev.pfs.chunkserver.protocol.ChunkFrameDecoder;
import dev.pfs.chunkserver.protocol.ChunkFrameDescriptor;
import dev.pfs.chunkserver.protocol.ChunkFrameEncoder;
import dev.pfs.chunkserver.protocol.ChunkMessage;
import dev.pfs.chunkserver.protocol.ChunkMessageDecoder;
import dev.pfs.chunkserver.protocol.ChunkOp;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.protocol.Transport;
import dev.pfs.chunkserver.tls.ClusterTls;
import dev.pfs.parallelraft.Message;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replication transport: one connection per pair of servers, carrying the messages of every
 * group the two share, in the data path's frame family (RAFT frames, chunk id = group). The
 * server with the lower id dials (its first frame a HELLO naming it); the other takes the
 * accepted connection as its link and answers HELLO naming itself. The dialer takes the
 * connection as its link to the peer only once that answer names the peer: an address can come
 * to serve another server (a move that reused a port), and messages sent there would be dropped
 * for good while the link looked healthy. The addresses to dial are a {@link PeerAddresses} per
 * peer, tried in turn while the peer has no link. A message to a peer without a link is dropped:
 * ParallelRaft retransmits. Sends come from the replication agent's thread; messages for one peer
 * written in one agent round go out with one flush.
 */
final class PeerLinks implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerLinks.class);
    /** Payload budget of one RAFT frame batching several messages; one larger message goes alone. */
    private static final int FRAME_BUDGET = ChunkFrameDescriptor.MAX_PAYLOAD - 64;
    /** Largest payload of a RAFT frame: a message above it cannot be sent (counted, logged once). */
    private static final int MAX_MESSAGE = ChunkFrameDescriptor.MAX_RAFT_FRAME - ChunkFrameDescriptor.HEADER_LENGTH;

    /** Longest wait for a dialed peer's HELLO answer before the dial counts as failed. */
    private static final long HELLO_TIMEOUT_MILLIS = 2000;

    /** Receives the messages of one RAFT frame, on an event loop. */
    interface Inbound {
        void receive(long group, long incarnation, ByteBuffer messages);
    }

    /** Told, on an event loop, that a peer this server dials answered at an address it had not proved before. */
    interface Proven {
        void at(int peer, InetSocketAddress address);
    }

    private final int self;
    private final Inbound inbound;
    private final EventLoopGroup loops;
    private final ClusterTls tls;
    private final Map<Integer, PeerAddresses> addresses = new ConcurrentHashMap<>();
    private final Map<Integer, Channel> links = new ConcurrentHashMap<>();
    private final Set<Integer> dialing = ConcurrentHashMap.newKeySet();
    private final Set<Channel> written = new HashSet<>();
    private volatile boolean closed;
    /** Messages too large for one RAFT frame, dropped. */
    final java.util.concurrent.atomic.AtomicLong oversized = new java.util.concurrent.atomic.AtomicLong();
    private boolean loggedOversized;
    private volatile Proven proven = (peer, address) -> { };

    /** @param tls the identity links are dialed with, or null for plain TCP */
    PeerLinks(int self, Inbound inbound, ClusterTls tls) {
        this.self = self;
        this.inbound = inbound;
        this.tls = tls;
        this.loops = Transport.group(1, "pfs-repl-link");
    }

    /** Sets who hears of addresses peers proved (once, before the first {@link #maintain}). */
    void onProven(Proven listener) {
        this.proven = listener;
    }

    /**
     * Learns that a peer may serve at {@code address}: from a group's spec, a client's placement or
     * a membership change. A peer with a working link keeps it; one without is dialed at each
     * address known for it in turn.
     */
    void learn(int id, InetSocketAddress address) {
        if (id != self) {
            addresses.computeIfAbsent(id, k -> new PeerAddresses(address)).learn(address);
        }
    }

    /** A peer with a lower id dialed us and said HELLO on {@code ch}: it is our link to it. */
    void accepted(int peer, Channel ch) {
        if (peer == self) {
            // Our own dial, at an address we hold for another peer that now reaches us (it moved).
            ch.close();
            return;
        }
        if (peer > self) {
            LOG.warn("server {} sent HELLO to server {}: only the lower id dials; closing", peer, self);
            ch.close();
            return;
        }
        Channel old = links.put(peer, ch);
        if (old != null && old != ch) {
            old.close();
        }
        ch.closeFuture().addListener(f -> links.remove(peer, ch));
        ch.writeAndFlush(ChunkFrameEncoder.encode(ch.alloc(), ChunkOp.HELLO, true, 0, 0, self, 0, 0, 0, 0,
                ChunkStatus.OK, Unpooled.EMPTY_BUFFER));
    }

    /**
     * Dials every known peer with a higher id that has no link and is not waiting out failed
     * dials ({@link PeerAddresses}); called on each tick.
     */
    void maintain() {
        long now = System.nanoTime();
        for (Map.Entry<Integer, PeerAddresses> p : addresses.entrySet()) {
            int peer = p.getKey();
            if (peer > self && !links.containsKey(peer) && !closed && p.getValue().mayDial(now)
                    && dialing.add(peer)) {
                dial(peer, p.getValue().next());
            }
        }
    }

    /**
     * Connects to {@code peer} at {@code address} and says HELLO; the connection becomes the link
     * once the answer names {@code peer} ({@link Receiver}), and the dial counts as failed when
     * the connection fails, closes or stays silent first.
     */
    private void dial(int peer, InetSocketAddress address) {
        new Bootstrap().group(loops).channel(Transport.clientChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 1000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        if (tls != null) {
                            c.pipeline().addLast(tls.clientHandler(c.alloc()));
                        }
                        c.pipeline().addLast(new ChunkFrameDecoder(ChunkFrameDescriptor.MAX_FRAME,
                                ChunkFrameDescriptor.MAX_RAFT_FRAME), new ChunkMessageDecoder(),
                                new Receiver(peer, address));
                    }
                })
                .connect(address).addListener(f -> {
                    Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
                    if (!f.isSuccess()) {
                        dialFailed(peer, address);
                        return;
                    }
                    ch.closeFuture().addListener(c -> {
                        if (!links.remove(peer, ch)) {
                            dialFailed(peer, address);
                        }
                    });
                    ch.eventLoop().schedule(() -> {
                        if (links.get(peer) != ch) {
                            ch.close();
                        }
                    }, HELLO_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
                    ch.writeAndFlush(ChunkFrameEncoder.encode(ch.alloc(), ChunkOp.HELLO, false, 0, 0, self, 0, 0, 0, 0,
                            ChunkStatus.OK, Unpooled.EMPTY_BUFFER));
                });
    }

    /** A dial that never became a link: the next one tries the peer's next address. */
    private void dialFailed(int peer, InetSocketAddress address) {
        PeerAddresses known = addresses.get(peer);
        if (known != null) {
            known.failed(address, System.nanoTime());
        }
        dialing.remove(peer);
    }

    /** The peer dialed at {@code address} answered HELLO as itself on {@code ch}: it is the link. */
    private void proved(int peer, InetSocketAddress address, Channel ch) {
        links.put(peer, ch);
        dialing.remove(peer);
        PeerAddresses known = addresses.get(peer);
        if (known != null && known.proved(address)) {
            proven.at(peer, address);
        }
    }

    /** Frames from the peer we dialed: its HELLO answer, then its messages to us. */
    private final class Receiver extends SimpleChannelInboundHandler<ChunkMessage> {
        private final int peer;
        private final InetSocketAddress address;
        private boolean answered;

        Receiver(int peer, InetSocketAddress address) {
            super(ChunkMessage.class, false);
            this.peer = peer;
            this.address = address;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ChunkMessage m) {
            try {
                if (m.malformed() != null) {
                    return;
                }
                if (!answered) {
                    hello(ctx, m);
                } else if (m.op() == ChunkOp.RAFT) {
                    inbound.receive(m.chunkId(), m.epoch(), m.payload().nioBuffer());
                }
            } finally {
                m.release();
            }
        }

        /** The first frame must be the HELLO answer of the server we meant to reach. */
        private void hello(ChannelHandlerContext ctx, ChunkMessage m) {
            if (m.op() == ChunkOp.HELLO && m.reply() && m.epoch() == peer) {
                answered = true;
                proved(peer, address, ctx.channel());
                return;
            }
            PeerAddresses known = addresses.get(peer);
            if (known != null && known.firstMismatch(address)) {
                LOG.info("server {} dialed server {} at {}, but {} answers there; trying its other addresses", self,
                        peer, address, m.op() == ChunkOp.HELLO && m.reply() ? "server " + m.epoch() : "something else");
            }
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Writes {@code messages} of {@code group} to {@code peer} (sent at the next {@link #flush}). */
    void send(int peer, long group, long incarnation, List<Message> messages) {
        Channel ch = links.get(peer);
        if (ch == null || !ch.isActive()) {
            return;
        }
        List<Message> batch = new ArrayList<>();
        int bytes = 4;
        for (Message m : messages) {
            int len = RaftCodec.messagesLength(List.of(m)) - 4;
            if (len + 4 > MAX_MESSAGE) {
                oversized.incrementAndGet();
                if (!loggedOversized) {
                    loggedOversized = true;
                    LOG.warn("group {}: a {} message of {} bytes exceeds the {}-byte RAFT frame; dropped", group,
                            m.type(), len, MAX_MESSAGE);
                }
                continue;
            }
            if (!batch.isEmpty() && bytes + len > FRAME_BUDGET) {
                write(ch, group, incarnation, batch, bytes);
                batch = new ArrayList<>();
                bytes = 4;
            }
            batch.add(m);
            bytes += len;
        }
        if (!batch.isEmpty()) {
            write(ch, group, incarnation, batch, bytes);
        }
    }

    private void write(Channel ch, long group, long incarnation, List<Message> batch, int bytes) {
        // Encoded straight into a pooled direct buffer: a heap one costs an allocation per frame
        // and a second copy of every entry's payload, which the epoll transport makes into a
        // direct buffer before it writes.
        ByteBuf payload = ch.alloc().directBuffer(bytes);
        try {
            RaftCodec.encodeMessages(batch, payload.nioBuffer(0, bytes));
        } catch (RuntimeException e) {
            payload.release();
            throw e;
        }
        payload.writerIndex(bytes);
        ch.write(ChunkFrameEncoder.encode(ch.alloc(), ChunkOp.RAFT, false, 0, group, incarnation, 0, bytes, 0, 0,
                ChunkStatus.OK, payload), ch.voidPromise());
        written.add(ch);
    }

    /** Flushes every link written since the last flush. */
    void flush() {
        for (Channel ch : written) {
            ch.flush();
        }
        written.clear();
    }

    @Override
    public void close() {
        closed = true;
        links.values().forEach(Channel::close);
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
