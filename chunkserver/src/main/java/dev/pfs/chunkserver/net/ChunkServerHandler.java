package dev.pfs.chunkserver.net;

import dev.pfs.chunkserver.protocol.ChunkFrameEncoder;
import dev.pfs.chunkserver.protocol.ChunkFrameDescriptor;
import dev.pfs.chunkserver.protocol.ChunkOp;
import dev.pfs.chunkserver.protocol.ChunkMessage;
import dev.pfs.chunkserver.metrics.ChunkServerMetrics;
import dev.pfs.chunkserver.protocol.ChunkInfo;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.store.ChunkStore;
import dev.pfs.chunkserver.protocol.ChunkException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one connection: hands each request to the chunk store (disk work never runs on the
 * event loop) and writes each reply when its future completes, so many requests are in flight
 * and replies go out in completion order. Every failure becomes a status with the request's id
 * and a one-line reason; one bad request or client never stops the server.
 */
public final class ChunkServerHandler extends SimpleChannelInboundHandler<ChunkMessage> {
    private static final Logger LOG = LoggerFactory.getLogger(ChunkServerHandler.class);

    private final ChunkStore store;
    private final long defaultChunkSize;
    private final ChunkServerMetrics metrics;
    private boolean loggedBadInput;

    /** @param defaultChunkSize the size of a chunk created with length 0 */
    public ChunkServerHandler(ChunkStore store, long defaultChunkSize, ChunkServerMetrics metrics) {
        super(ChunkMessage.class, false);
        this.store = store;
        this.defaultChunkSize = defaultChunkSize;
        this.metrics = metrics;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ChunkMessage m) {
        long start = System.nanoTime();
        if (m.malformed() != null || m.reply()) {
            String why = m.malformed() != null ? m.malformed() : "a reply frame sent to the server";
            m.release();
            metrics.frameError("malformed");
            logBadInputOnce(ctx, why);
            ChunkOp op = m.op() == null ? ChunkOp.READ : m.op();
            reply(ctx, op, m.requestId(), m.chunkId(), 0, ChunkStatus.MALFORMED, text(why), start);
            return;
        }
        switch (m.op()) {
            case READ -> read(ctx, m, start);
            case WRITE -> {
                if (m.length() != m.payload().readableBytes()) {
                    m.release();
                    reply(ctx, m, ChunkStatus.MALFORMED, text("length " + m.length() + " != payload "
                            + m.payload().readableBytes()), start);
                    return;
                }
                finish(ctx, m, store.write(m.chunkId(), m.epoch(), m.offset(), m.payload().nioBuffer()), start);
            }
            case FLUSH -> finish(ctx, m, store.flush(), start);
            case DISCARD, WRITE_ZEROES -> finish(ctx, m, store.writeZeroes(m.chunkId(), m.epoch(), m.offset(),
                    m.length()), start);
            case CREATE -> finish(ctx, m, store.create(m.chunkId(), m.length() == 0 ? defaultChunkSize : m.length()),
                    start);
            case DELETE -> finish(ctx, m, store.delete(m.chunkId(), m.epoch()), start);
            case STAT -> store.stat(m.chunkId()).whenComplete((info, t) -> {
                m.release();
                if (t == null) {
                    reply(ctx, m, ChunkStatus.OK, encodeInfo(info), start);
                } else {
                    replyFailure(ctx, m, t, start);
                }
            });
        }
    }

    private void read(ChannelHandlerContext ctx, ChunkMessage m, long start) {
        m.release();
        if (m.length() < 0 || m.length() > ChunkFrameDescriptor.MAX_PAYLOAD) {
            reply(ctx, m, ChunkStatus.OUT_OF_RANGE, text("read of " + m.length() + " bytes; at most "
                    + ChunkFrameDescriptor.MAX_PAYLOAD + " per request"), start);
            return;
        }
        int length = (int) m.length();
        ByteBuf data = ctx.alloc().directBuffer(length);
        data.writerIndex(length);
        store.read(m.chunkId(), m.offset(), data.nioBuffer(0, length)).whenComplete((v, t) -> {
            if (t == null) {
                reply(ctx, m, ChunkStatus.OK, data, start);
            } else {
                data.release();
                replyFailure(ctx, m, t, start);
            }
        });
    }

    private void finish(ChannelHandlerContext ctx, ChunkMessage m, CompletableFuture<Void> f, long start) {
        f.whenComplete((v, t) -> {
            m.release();
            if (t == null) {
                reply(ctx, m, ChunkStatus.OK, Unpooled.EMPTY_BUFFER, start);
            } else {
                replyFailure(ctx, m, t, start);
            }
        });
    }

    private void replyFailure(ChannelHandlerContext ctx, ChunkMessage m, Throwable t, long start) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof ChunkException e) {
            reply(ctx, m, e.status(), text(e.getMessage()), start);
        } else {
            LOG.error("request {} {} on chunk {} failed unexpectedly", m.requestId(), m.op(), m.chunkId(), cause);
            reply(ctx, m, ChunkStatus.IO_ERROR, text(String.valueOf(cause)), start);
        }
    }

    private void reply(ChannelHandlerContext ctx, ChunkMessage m, ChunkStatus status, ByteBuf payload, long start) {
        reply(ctx, m.op(), m.requestId(), m.chunkId(), m.op() == ChunkOp.WRITE ? m.length() : 0, status, payload,
                start);
    }

    private void reply(ChannelHandlerContext ctx, ChunkOp op, long requestId, long chunkId, long written,
                       ChunkStatus status, ByteBuf payload, long start) {
        long moved = status == ChunkStatus.OK ? Math.max(written, op == ChunkOp.READ ? payload.readableBytes() : 0) : 0;
        metrics.request(op.name(), status.name(), moved, System.nanoTime() - start);
        ctx.writeAndFlush(ChunkFrameEncoder.encode(ctx.alloc(), op, true, requestId, chunkId, 0, 0,
                payload.readableBytes(), 0, status, payload), ctx.voidPromise());
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
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            metrics.frameError("oversized");
            logBadInputOnce(ctx, cause.getMessage());
            return;
        }
        metrics.frameError("unframeable");
        LOG.warn("closing connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
