package dev.pfs.chunkserver.client;

import dev.pfs.chunkserver.protocol.ChunkFrameDecoder;
import dev.pfs.chunkserver.protocol.ChunkFrameDescriptor;
import dev.pfs.chunkserver.protocol.ChunkFrameEncoder;
import dev.pfs.chunkserver.protocol.ChunkMessage;
import dev.pfs.chunkserver.protocol.ChunkMessageDecoder;
import dev.pfs.chunkserver.protocol.ChunkOp;
import dev.pfs.chunkserver.protocol.Transport;
import dev.pfs.chunkserver.protocol.ChunkInfo;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.chunkserver.tls.ClusterTls;
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
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An asynchronous client of one chunkserver over one connection: any number of requests in
 * flight, matched to replies by request id whatever order they come back in. Failures
 * complete futures with a {@link ChunkException} carrying the server's status and reason;
 * a lost connection fails everything in flight with {@link ChunkStatus#IO_ERROR}, and a
 * request without a reply by its deadline fails with {@link ChunkStatus#TIMED_OUT}.
 */
public final class ChunkClient implements AutoCloseable {
    /** How long a request waits for its reply unless the caller chose otherwise. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);
    private static final long HANDSHAKE_MILLIS = 5000;

    private final EventLoopGroup group;
    private final Channel channel;
    private final long deadlineNanos;
    private final Map<Long, CompletableFuture<ChunkMessage>> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final InetSocketAddress server;

    private ChunkClient(EventLoopGroup group, InetSocketAddress server, long deadlineNanos, ClusterTls tls)
            throws IOException {
        this.group = group;
        this.server = server;
        this.deadlineNanos = deadlineNanos;
        try {
            this.channel = new Bootstrap().group(group).channel(Transport.clientChannel())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            if (tls != null) {
                                c.pipeline().addLast(tls.clientHandler(c.alloc()));
                            }
                            c.pipeline().addLast(new ChunkFrameDecoder(), new ChunkMessageDecoder(), new ReplyHandler());
                        }
                    })
                    .connect(server).sync().channel();
            if (tls != null) {
                awaitHandshake(channel.pipeline().get(SslHandler.class), server);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("interrupted while connecting to chunkserver " + server, e);
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("cannot connect to chunkserver " + server + ": " + e.getMessage(), e);
        }
        channel.closeFuture().addListener(f -> failAll("connection to chunkserver " + server + " closed"));
    }

    /**
     * Connects to the chunkserver at {@code server}; a request without a reply after
     * {@code deadline} fails with {@link ChunkStatus#TIMED_OUT} (a late reply is dropped).
     */
    public static ChunkClient connect(InetSocketAddress server, Duration deadline) throws IOException {
        return connect(server, deadline, null);
    }

    /**
     * Connects as {@link #connect(InetSocketAddress, Duration)}, over mutual TLS when {@code tls}
     * is not null: returns once the handshake passed, or fails naming why the server or this
     * client refused the other.
     */
    public static ChunkClient connect(InetSocketAddress server, Duration deadline, ClusterTls tls) throws IOException {
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("request deadline must be positive, not " + deadline);
        }
        return new ChunkClient(Transport.group(1, "pfs-chunk-client"), server, deadline.toNanos(), tls);
    }

    private void awaitHandshake(SslHandler ssl, InetSocketAddress server) throws IOException, InterruptedException {
        io.netty.util.concurrent.Future<Channel> done = ssl.handshakeFuture();
        if (!done.await(HANDSHAKE_MILLIS) || !done.isSuccess()) {
            channel.close();
            Throwable cause = done.cause();
            throw new IOException("TLS handshake with chunkserver " + server + " failed: "
                    + (cause == null ? "no answer within " + HANDSHAKE_MILLIS + " ms" : cause.getMessage()), cause);
        }
    }

    /** Connects with the default request deadline, {@link #DEFAULT_DEADLINE}. */
    public static ChunkClient connect(InetSocketAddress server) throws IOException {
        return connect(server, DEFAULT_DEADLINE);
    }

    private final class ReplyHandler extends SimpleChannelInboundHandler<ChunkMessage> {
        ReplyHandler() {
            super(ChunkMessage.class, false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ChunkMessage m) {
            CompletableFuture<ChunkMessage> f = pending.remove(m.requestId());
            if (f == null) {
                m.release();
                return;
            }
            if (m.malformed() != null) {
                m.release();
                f.completeExceptionally(new ChunkException(ChunkStatus.IO_ERROR,
                        "chunkserver " + server + " sent a bad reply: " + m.malformed()));
            } else if (m.status() != ChunkStatus.OK) {
                String why = m.payload().toString(StandardCharsets.UTF_8);
                m.release();
                f.completeExceptionally(new ChunkException(m.status(), "chunkserver " + server + ": " + why,
                        m.generation()));
            } else {
                f.complete(m);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private void failAll(String why) {
        for (Long id : pending.keySet()) {
            CompletableFuture<ChunkMessage> f = pending.remove(id);
            if (f != null) {
                f.completeExceptionally(new ChunkException(ChunkStatus.IO_ERROR, why));
            }
        }
    }

    private CompletableFuture<ChunkMessage> send(ChunkOp op, long chunkId, long epoch, long offset, long length,
                                                 int flags, ByteBuf payload) {
        return send(op, chunkId, epoch, offset, length, 0, flags, payload);
    }

    private CompletableFuture<ChunkMessage> send(ChunkOp op, long chunkId, long epoch, long offset, long length,
                                                 long generation, int flags, ByteBuf payload) {
        long id = nextId.getAndIncrement();
        CompletableFuture<ChunkMessage> f = new CompletableFuture<>();
        pending.put(id, f);
        ByteBuf frame = ChunkFrameEncoder.encode(channel.alloc(), op, false, id, chunkId, epoch, offset, length,
                generation, flags, ChunkStatus.OK, payload);
        // One task on the event loop for the deadline and the write: from another thread, each
        // would be a task of its own, and scheduling the deadline could wake the loop once more.
        if (channel.eventLoop().inEventLoop()) {
            sendOnLoop(op, id, f, frame);
        } else {
            try {
                channel.eventLoop().execute(() -> sendOnLoop(op, id, f, frame));
            } catch (RejectedExecutionException e) {
                frame.release();
                pending.remove(id);
                f.completeExceptionally(new ChunkException(ChunkStatus.IO_ERROR,
                        "cannot send to chunkserver " + server + ": client closed"));
            }
        }
        return f;
    }

    private void sendOnLoop(ChunkOp op, long id, CompletableFuture<ChunkMessage> f, ByteBuf frame) {
        ScheduledFuture<?> timeout = channel.eventLoop().schedule(() -> {
            if (pending.remove(id, f)) {
                f.completeExceptionally(new ChunkException(ChunkStatus.TIMED_OUT, "chunkserver " + server
                        + ": no reply to " + op + " request " + id + " within "
                        + TimeUnit.NANOSECONDS.toMillis(deadlineNanos) + " ms"));
            }
        }, deadlineNanos, TimeUnit.NANOSECONDS);
        f.whenComplete((m, t) -> timeout.cancel(false));
        channel.writeAndFlush(frame).addListener(w -> {
            if (!w.isSuccess()) {
                pending.remove(id);
                f.completeExceptionally(new ChunkException(ChunkStatus.IO_ERROR,
                        "cannot send to chunkserver " + server + ": " + w.cause()));
            }
        });
    }

    private static CompletableFuture<Void> done(CompletableFuture<ChunkMessage> f) {
        return f.thenAccept(ChunkMessage::release);
    }

    /** Reads {@code dst.remaining()} bytes (at most 1 MB) at {@code offset}, filling dst and advancing it. */
    public CompletableFuture<Void> read(long chunkId, long offset, ByteBuffer dst) {
        return send(ChunkOp.READ, chunkId, 0, offset, dst.remaining(), 0, Unpooled.EMPTY_BUFFER).thenAccept(m -> {
            try {
                if (m.payload().readableBytes() != dst.remaining()) {
                    throw new IllegalStateException("chunkserver " + server + " returned "
                            + m.payload().readableBytes() + " bytes for a read of " + dst.remaining());
                }
                m.payload().readBytes(dst);
            } finally {
                m.release();
            }
        });
    }

    /**
     * Writes {@code src} (at most 1 MB) at {@code offset} with the writer's epoch. The buffer
     * is sent without a copy and must stay untouched until the future completes.
     */
    public CompletableFuture<Void> write(long chunkId, long epoch, long offset, ByteBuffer src, boolean fua) {
        int length = src.remaining();
        return done(send(ChunkOp.WRITE, chunkId, epoch, offset, length, fua ? ChunkFrameDescriptor.FLAG_FUA : 0,
                Unpooled.wrappedBuffer(src.duplicate())));
    }

    /** Barrier: completes when every write acknowledged before it is durable. */
    public CompletableFuture<Void> flush() {
        return done(send(ChunkOp.FLUSH, 0, 0, 0, 0, 0, Unpooled.EMPTY_BUFFER));
    }

    /** Frees a range; it reads as zeros afterwards. */
    public CompletableFuture<Void> discard(long chunkId, long epoch, long offset, long length) {
        return done(send(ChunkOp.DISCARD, chunkId, epoch, offset, length, 0, Unpooled.EMPTY_BUFFER));
    }

    /** Makes a range read as zeros. */
    public CompletableFuture<Void> writeZeroes(long chunkId, long epoch, long offset, long length) {
        return done(send(ChunkOp.WRITE_ZEROES, chunkId, epoch, offset, length, 0, Unpooled.EMPTY_BUFFER));
    }

    /** Creates a chunk of {@code size} bytes (0: the server's default) as the writer at {@code epoch}. */
    public CompletableFuture<Void> create(long chunkId, long epoch, long size) {
        return done(send(ChunkOp.CREATE, chunkId, epoch, 0, size, 0, Unpooled.EMPTY_BUFFER));
    }

    /** Creates a chunk without a writer epoch (refused once its volume has seen one). */
    public CompletableFuture<Void> create(long chunkId, long size) {
        return create(chunkId, 0, size);
    }

    /**
     * Fences the volume of {@code chunkId} (see {@link dev.pfs.chunkserver.protocol.ChunkId}) on
     * this server at {@code epoch}: every later change with an older epoch to any of its chunks
     * is refused. A new holder does this on every server of its volume before its first write.
     */
    public CompletableFuture<Void> fence(long chunkId, long epoch) {
        return done(send(ChunkOp.FENCE, chunkId, epoch, 0, 0, 0, Unpooled.EMPTY_BUFFER));
    }

    /** Deletes a chunk. */
    public CompletableFuture<Void> delete(long chunkId, long epoch) {
        return done(send(ChunkOp.DELETE, chunkId, epoch, 0, 0, 0, Unpooled.EMPTY_BUFFER));
    }

    /** Reports a chunk's size, highest epoch and allocated bytes. */
    public CompletableFuture<ChunkInfo> stat(long chunkId) {
        return send(ChunkOp.STAT, chunkId, 0, 0, 0, 0, Unpooled.EMPTY_BUFFER).thenApply(m -> {
            try {
                ByteBuf p = m.payload();
                return new ChunkInfo(chunkId, p.getLong(p.readerIndex()), p.getLong(p.readerIndex() + 8),
                        p.getLong(p.readerIndex() + 16));
            } finally {
                m.release();
            }
        });
    }

    /**
     * Makes sure the server is a replica of the chunk's group (idempotent). A server that does not
     * hold the group creates it only when {@code founding} (the volume is being created) or when
     * {@code members} marks it joining; otherwise it answers UNKNOWN_CHUNK.
     *
     * @param members  the group's members as {@code id=host:port} lines
     * @param founding whether the volume is being created
     */
    public CompletableFuture<Void> createGroup(long chunkId, long size, byte[] members, boolean founding) {
        return done(send(ChunkOp.GROUP_CREATE, chunkId, 0, 0, size,
                founding ? ChunkFrameDescriptor.FLAG_FOUNDING : 0, Unpooled.wrappedBuffer(members)));
    }

    /**
     * Changes the chunk's group, at its leader, to {@code members} ({@code id=host:port} lines:
     * the members after adding or removing one); completes once the change is committed.
     */
    public CompletableFuture<Void> changeMembers(long chunkId, byte[] members) {
        return done(send(ChunkOp.GROUP_MEMBERS, chunkId, 0, 0, 0, 0, Unpooled.wrappedBuffer(members)));
    }

    /**
     * Writes {@code src} through the chunk's replication group; fails with NOT_LEADER (the
     * message's text after the server is the leader's {@code host:port}, or empty) unless this
     * server leads it, and with STALE_TRY (its {@link ChunkException#generation()} the group's)
     * when the group logged a later try generation than {@code generation}. The buffer must stay
     * untouched until the future completes.
     */
    public CompletableFuture<Void> replicatedWrite(long chunkId, long epoch, long generation, long offset,
                                                   ByteBuffer src) {
        return done(send(ChunkOp.REPLICATED_WRITE, chunkId, epoch, offset, src.remaining(), generation,
                ChunkFrameDescriptor.FLAG_FUA, Unpooled.wrappedBuffer(src.duplicate())));
    }

    /** Raises the writer epoch of the chunk's group to {@code epoch} at its leader (NOT_LEADER elsewhere). */
    public CompletableFuture<Void> replicatedFence(long chunkId, long epoch) {
        return done(send(ChunkOp.REPLICATED_FENCE, chunkId, epoch, 0, 0, 0, Unpooled.EMPTY_BUFFER));
    }

    /** Reads {@code dst.remaining()} bytes at the chunk's group leader (NOT_LEADER elsewhere). */
    public CompletableFuture<Void> replicatedRead(long chunkId, long offset, ByteBuffer dst) {
        return send(ChunkOp.REPLICATED_READ, chunkId, 0, offset, dst.remaining(), 0, Unpooled.EMPTY_BUFFER)
                .thenAccept(m -> {
                    try {
                        if (m.payload().readableBytes() != dst.remaining()) {
                            throw new IllegalStateException("chunkserver " + server + " returned "
                                    + m.payload().readableBytes() + " bytes for a read of " + dst.remaining());
                        }
                        m.payload().readBytes(dst);
                    } finally {
                        m.release();
                    }
                });
    }

    /** @return whether the connection is still open */
    public boolean isOpen() {
        return channel.isActive();
    }

    /** @return the server's address */
    public InetSocketAddress server() {
        return server;
    }

    /** Closes the connection; requests in flight fail. */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
