package dev.pfs.chunkserver.net;

import dev.pfs.chunkserver.protocol.ChunkFrameEncoder;
import dev.pfs.chunkserver.protocol.ChunkFrameDescriptor;
import dev.pfs.chunkserver.protocol.ChunkOp;
import dev.pfs.chunkserver.protocol.ChunkMessage;
import dev.pfs.chunkserver.metrics.ChunkServerMetrics;
import dev.pfs.chunkserver.protocol.ChunkInfo;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.protocol.DirectAlignment;
import dev.pfs.chunkserver.replication.GroupSpec;
import dev.pfs.chunkserver.replication.Replication;
import dev.pfs.chunkserver.store.ChunkStore;
import dev.pfs.chunkserver.protocol.ChunkException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one connection: hands each request to the chunk store (disk work never runs on the
 * event loop) and writes each reply when its future completes, so many requests are in flight
 * and replies go out in completion order. A connection has at most {@link #MAX_IN_FLIGHT}
 * requests in the store and {@link #MAX_IN_FLIGHT_BYTES} of payload held (write data until the
 * store answered, read replies until they were written to the socket, so a client that does not
 * read its replies holds no more); above that its requests wait here unseen by the store, no
 * reply buffer is allocated for them, and reading from its socket stops until replies went out.
 * Every failure becomes a status with the request's id and a one-line reason; one bad request or
 * client never stops the server, nor slows another.
 */
public final class ChunkServerHandler extends SimpleChannelInboundHandler<ChunkMessage> {
    private static final Logger LOG = LoggerFactory.getLogger(ChunkServerHandler.class);
    /** Requests of one connection in the store at once; more wait here with reading stopped. */
    public static final int MAX_IN_FLIGHT = 64;
    /** Payload bytes one connection holds at once: write data in the store, read replies not yet sent. */
    public static final long MAX_IN_FLIGHT_BYTES = 8L << 20;

    private final ChunkStore store;
    /** This server's replicated chunks, or null when it serves only unreplicated ones. */
    private final Replication replication;
    private final long defaultChunkSize;
    private final ChunkServerMetrics metrics;
    /** Decoded requests not started yet because the connection is at its limits; event loop only. */
    private final ArrayDeque<ChunkMessage> waiting = new ArrayDeque<>();
    private int inFlight;
    private long inFlightBytes;
    private boolean loggedBadInput;

    /** @param defaultChunkSize the size of a chunk created with length 0 */
    public ChunkServerHandler(ChunkStore store, long defaultChunkSize, ChunkServerMetrics metrics) {
        this(store, null, defaultChunkSize, metrics);
    }

    /**
     * @param replication this server's replication groups, or null for none
     * @param defaultChunkSize the size of a chunk created with length 0
     */
    public ChunkServerHandler(ChunkStore store, Replication replication, long defaultChunkSize,
                              ChunkServerMetrics metrics) {
        super(ChunkMessage.class, false);
        this.store = store;
        this.replication = replication;
        this.defaultChunkSize = defaultChunkSize;
        this.metrics = metrics;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ChunkMessage m) {
        if (replication != null && m.malformed() == null && !m.reply()
                && (m.op() == ChunkOp.RAFT || m.op() == ChunkOp.HELLO)) {
            // Peer traffic: no reply, no request budget (ParallelRaft bounds what is in flight).
            try {
                if (m.op() == ChunkOp.RAFT) {
                    replication.receive(m.chunkId(), m.epoch(), m.payload().nioBuffer());
                } else if (m.epoch() > 0 && m.epoch() <= Integer.MAX_VALUE) {
                    replication.hello((int) m.epoch(), ctx.channel());
                }
            } finally {
                m.release();
            }
            return;
        }
        if (!waiting.isEmpty() || !admits(m)) {
            waiting.add(m);
            updateAutoRead(ctx);
            return;
        }
        start(ctx, m);
    }

    /** @return the bytes a request holds while in flight: its write data or its read reply */
    private static long cost(ChunkMessage m) {
        if (m.malformed() != null || m.reply()) {
            return 0;
        }
        return m.op() == ChunkOp.READ ? Math.clamp(m.length(), 0, ChunkFrameDescriptor.MAX_PAYLOAD)
                : m.payload().readableBytes();
    }

    private boolean admits(ChunkMessage m) {
        return inFlight < MAX_IN_FLIGHT && (inFlightBytes == 0 || inFlightBytes + cost(m) <= MAX_IN_FLIGHT_BYTES);
    }

    /** Starts the waiting requests the connection's limits admit now, and reads on if none wait. */
    private void resume(ChannelHandlerContext ctx) {
        while (!waiting.isEmpty() && admits(waiting.peek()) && ctx.channel().isActive()) {
            start(ctx, waiting.poll());
        }
        updateAutoRead(ctx);
    }

    /** Reading goes on only while the connection is under its limits and its replies drain. */
    private void updateAutoRead(ChannelHandlerContext ctx) {
        boolean read = waiting.isEmpty() && inFlight < MAX_IN_FLIGHT && ctx.channel().isWritable();
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    private void start(ChannelHandlerContext ctx, ChunkMessage m) {
        long start = System.nanoTime();
        long cost = cost(m);
        inFlight++;
        inFlightBytes += cost;
        if (m.malformed() != null || m.reply()) {
            String why = m.malformed() != null ? m.malformed() : "a reply frame sent to the server";
            m.release();
            metrics.frameError("malformed");
            logBadInputOnce(ctx, why);
            ChunkOp op = m.op() == null ? ChunkOp.READ : m.op();
            reply(ctx, op, m.requestId(), m.chunkId(), 0, 0, ChunkStatus.MALFORMED, text(why), start, cost);
            return;
        }
        switch (m.op()) {
            case READ -> read(ctx, m, start, cost);
            case WRITE -> {
                if (m.length() != m.payload().readableBytes()) {
                    m.release();
                    reply(ctx, m, ChunkStatus.MALFORMED, text("length " + m.length() + " != payload "
                            + m.payload().readableBytes()), start, cost);
                    return;
                }
                finish(ctx, m, store.write(m.chunkId(), m.epoch(), m.offset(), m.payload().nioBuffer(),
                        m.blockCrcs()), start, cost);
            }
            case FLUSH -> finish(ctx, m, store.flush(), start, cost);
            case DISCARD, WRITE_ZEROES -> finish(ctx, m, store.writeZeroes(m.chunkId(), m.epoch(), m.offset(),
                    m.length()), start, cost);
            case CREATE -> finish(ctx, m, store.create(m.chunkId(), m.epoch(),
                    m.length() == 0 ? defaultChunkSize : m.length()), start, cost);
            case DELETE -> finish(ctx, m, store.delete(m.chunkId(), m.epoch()), start, cost);
            case FENCE -> finish(ctx, m, store.fence(m.chunkId(), m.epoch()), start, cost);
            case GROUP_CREATE, GROUP_MEMBERS, REPLICATED_WRITE, REPLICATED_READ, REPLICATED_FENCE, RAFT, HELLO ->
                    replicated(ctx, m, start, cost);
            case STAT -> store.stat(m.chunkId()).whenComplete((info, t) -> {
                m.release();
                if (t == null) {
                    reply(ctx, m, ChunkStatus.OK, encodeInfo(info), start, cost);
                } else {
                    replyFailure(ctx, m, t, start, cost);
                }
            });
        }
    }

    private void replicated(ChannelHandlerContext ctx, ChunkMessage m, long start, long cost) {
        if (replication == null) {
            m.release();
            reply(ctx, m, ChunkStatus.MALFORMED, text(m.op() + " on a server without replication"), start, cost);
            return;
        }
        switch (m.op()) {
            case GROUP_CREATE -> {
                GroupSpec spec;
                try {
                    spec = GroupSpec.decode(m.chunkId(), m.length(), bytes(m.payload()));
                } catch (IllegalArgumentException e) {
                    m.release();
                    reply(ctx, m, ChunkStatus.MALFORMED, text(e.getMessage()), start, cost);
                    return;
                }
                finish(ctx, m, replication.createGroup(spec,
                        (m.flags() & ChunkFrameDescriptor.FLAG_FOUNDING) != 0), start, cost);
            }
            case GROUP_MEMBERS -> {
                GroupSpec next;
                try {
                    next = GroupSpec.decode(m.chunkId(), 512, bytes(m.payload()));
                } catch (IllegalArgumentException e) {
                    m.release();
                    reply(ctx, m, ChunkStatus.MALFORMED, text(e.getMessage()), start, cost);
                    return;
                }
                finish(ctx, m, replication.changeMembers(next), start, cost);
            }
            case REPLICATED_WRITE -> finish(ctx, m, replication.write(m.chunkId(), m.epoch(), m.generation(),
                    m.offset(), m.payload()), start, cost);
            case REPLICATED_FENCE -> finish(ctx, m, replication.fence(m.chunkId(), m.epoch()), start, cost);
            case REPLICATED_READ -> {
                m.release();
                if (m.length() <= 0 || m.length() > ChunkFrameDescriptor.MAX_PAYLOAD) {
                    reply(ctx, m, ChunkStatus.OUT_OF_RANGE, text("read of " + m.length() + " bytes; 1 to "
                            + ChunkFrameDescriptor.MAX_PAYLOAD + " per request"), start, cost);
                    return;
                }
                replication.read(m.chunkId(), m.offset(), (int) m.length()).whenComplete((data, t) -> {
                    if (t == null) {
                        reply(ctx, m, ChunkStatus.OK, Unpooled.wrappedBuffer(data), start, cost);
                    } else {
                        replyFailure(ctx, m, t, start, cost);
                    }
                });
            }
            default -> {
                m.release();
                reply(ctx, m, ChunkStatus.MALFORMED, text("a " + m.op() + " frame needs no reply"), start, cost);
            }
        }
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), out);
        return out;
    }

    private void read(ChannelHandlerContext ctx, ChunkMessage m, long start, long cost) {
        m.release();
        if (m.length() < 0 || m.length() > ChunkFrameDescriptor.MAX_PAYLOAD) {
            reply(ctx, m, ChunkStatus.OUT_OF_RANGE, text("read of " + m.length() + " bytes; at most "
                    + ChunkFrameDescriptor.MAX_PAYLOAD + " per request"), start, cost);
            return;
        }
        int length = (int) m.length();
        // Allocated only now that the request is admitted: the connection's byte budget bounds it.
        // Aligned, so that the store's O_DIRECT read lands in it without a bounce copy.
        ByteBuf data = DirectAlignment.directBuffer(ctx.alloc(), length);
        data.writerIndex(length);
        metrics.replyBytes(length);
        store.read(m.chunkId(), m.offset(), data.nioBuffer(0, length)).whenComplete((v, t) -> {
            if (t == null) {
                reply(ctx, m, ChunkStatus.OK, data, start, cost);
            } else {
                data.release();
                metrics.replyBytes(-length);
                replyFailure(ctx, m, t, start, cost);
            }
        });
    }

    private void finish(ChannelHandlerContext ctx, ChunkMessage m, CompletableFuture<Void> f, long start, long cost) {
        f.whenComplete((v, t) -> {
            m.release();
            if (t == null) {
                reply(ctx, m, ChunkStatus.OK, Unpooled.EMPTY_BUFFER, start, cost);
            } else {
                replyFailure(ctx, m, t, start, cost);
            }
        });
    }

    private void replyFailure(ChannelHandlerContext ctx, ChunkMessage m, Throwable t, long start, long cost) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof ChunkException e) {
            reply(ctx, m.op(), m.requestId(), m.chunkId(), 0, e.generation(), e.status(), text(e.getMessage()),
                    start, cost);
        } else {
            LOG.error("request {} {} on chunk {} failed unexpectedly", m.requestId(), m.op(), m.chunkId(), cause);
            reply(ctx, m, ChunkStatus.IO_ERROR, text(String.valueOf(cause)), start, cost);
        }
    }

    private void reply(ChannelHandlerContext ctx, ChunkMessage m, ChunkStatus status, ByteBuf payload, long start,
                       long cost) {
        reply(ctx, m.op(), m.requestId(), m.chunkId(), m.op() == ChunkOp.WRITE ? m.length() : 0, 0, status,
                payload, start, cost);
    }

    /**
     * Sends a reply and ends the request's stay in flight as a task on the event loop, which
     * owns the connection's counters (the store completes requests on its own threads; a reply
     * decided on the loop itself goes through the task queue too, so starting the next waiting
     * request never recurses).
     */
    private void reply(ChannelHandlerContext ctx, ChunkOp op, long requestId, long chunkId, long written,
                       long generation, ChunkStatus status, ByteBuf payload, long start, long cost) {
        long completed = System.nanoTime();
        ctx.executor().execute(() -> sendReply(ctx, op, requestId, chunkId, written, generation, status, payload,
                start, cost, completed));
    }

    private void sendReply(ChannelHandlerContext ctx, ChunkOp op, long requestId, long chunkId, long written,
                           long generation, ChunkStatus status, ByteBuf payload, long start, long cost,
                           long completed) {
        long moved = status == ChunkStatus.OK ? Math.max(written, op == ChunkOp.READ ? payload.readableBytes() : 0) : 0;
        long now = System.nanoTime();
        metrics.request(op.name(), status.name(), moved, now - start);
        if (op == ChunkOp.WRITE) {
            metrics.replyWaited(now - completed);
        }
        ByteBuf frame = ChunkFrameEncoder.encode(ctx.alloc(), op, true, requestId, chunkId, 0, 0,
                payload.readableBytes(), generation, 0, status, payload);
        inFlight--;
        if (op == ChunkOp.READ && status == ChunkStatus.OK) {
            // The reply's buffer stays the connection's until the socket took it: a client that
            // reads slowly or not at all cannot make the server allocate more for it.
            long bytes = payload.readableBytes();
            ctx.writeAndFlush(frame).addListener(f -> {
                metrics.replyBytes(-bytes);
                inFlightBytes -= cost;
                resume(ctx);
            });
        } else {
            ctx.writeAndFlush(frame, ctx.voidPromise());
            inFlightBytes -= cost;
        }
        resume(ctx);
    }

    private static ByteBuf text(String s) {
        return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8));
    }

    private static ByteBuf encodeInfo(ChunkInfo info) {
        return Unpooled.buffer(24).writeLong(info.size()).writeLong(info.epoch()).writeLong(info.allocatedBytes());
    }

    private void logBadInputOnce(ChannelHandlerContext ctx, String why) {
        if (!loggedBadInput) {
            loggedBadInput = true;
            LOG.warn("client {} sent a bad frame ({}); answering and counting, further ones are not logged",
                    ctx.channel().remoteAddress(), why);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // A slow reader: stop reading its requests until its replies drain.
        updateAutoRead(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        // A vanished client: what it sent but we never started is dropped; what is in the store finishes unseen.
        for (ChunkMessage m; (m = waiting.poll()) != null; ) {
            m.release();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            metrics.frameError("oversized");
            logBadInputOnce(ctx, cause.getMessage());
            return;
        }
        if (cause instanceof javax.net.ssl.SSLException || cause.getCause() instanceof javax.net.ssl.SSLException) {
            // A peer without a certificate of the cluster CA, or not speaking TLS at all.
            metrics.frameError("tls");
            Throwable tls = cause instanceof javax.net.ssl.SSLException ? cause : cause.getCause();
            LOG.warn("refusing connection from {}: TLS: {}", ctx.channel().remoteAddress(), tls.getMessage());
            ctx.close();
            return;
        }
        metrics.frameError("unframeable");
        LOG.warn("closing connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
