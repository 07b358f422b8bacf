package dev.pfs.nbd.transmission;

import static dev.pfs.nbd.transmission.RequestDescriptor.CMD_BLOCK_STATUS;
import static dev.pfs.nbd.transmission.RequestDescriptor.CMD_DISC;
import static dev.pfs.nbd.transmission.RequestDescriptor.CMD_FLUSH;
import static dev.pfs.nbd.transmission.RequestDescriptor.CMD_READ;
import static dev.pfs.nbd.transmission.RequestDescriptor.CMD_TRIM;
import static dev.pfs.nbd.transmission.RequestDescriptor.CMD_WRITE;
import static dev.pfs.nbd.transmission.RequestDescriptor.CMD_WRITE_ZEROES;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.Extent;
import dev.pfs.common.volume.VolumeException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the transmission phase of one connection: checks each request, hands it to the
 * volume, and answers it when the volume completes it, in whatever order that is. All its
 * state is touched on the channel's event loop only; volume completions are brought back there.
 *
 * <p>A request the server refuses is answered at once with the protocol's error and the
 * connection keeps serving. Above the in-flight limits, or while the client does not read its
 * replies, the handler stops reading the socket, so one client's backlog never grows without
 * bound. On DISC it answers what is in flight and then closes.
 */
final class TransmissionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(TransmissionHandler.class);
    private static final int ZERO_BUFFER_LENGTH = 1 << 20;
    /** O_DIRECT's buffer alignment. */
    private static final int READ_ALIGNMENT = 512;
    /** Zeros for WRITE_ZEROES with NO_HOLE, aligned for O_DIRECT; only ever read. */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(ZERO_BUFFER_LENGTH + 4096)
            .alignedSlice(4096).limit(ZERO_BUFFER_LENGTH).slice().asReadOnlyBuffer();

    private final Session session;
    private final BlockVolume volume;
    private final TransmissionLimits limits;
    private ChannelHandlerContext ctx;
    private int inFlight;
    private long inFlightBytes;
    private boolean disconnecting;
    private boolean flushScheduled;
    /** Flushes every reply written since it was scheduled: one syscall for a batch of completions. */
    private final Runnable flush = () -> {
        flushScheduled = false;
        ctx.flush();
    };

    TransmissionHandler(Session session, TransmissionLimits limits) {
        this.session = session;
        this.volume = session.export().volume();
        this.limits = limits;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof NbdRequest request) {
            handle(request);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void handle(NbdRequest r) {
        if (disconnecting) {
            release(r);
            return;
        }
        if (r.type() == CMD_DISC) {
            disconnecting = true;
            updateAutoRead();
            closeIfDone();
            return;
        }
        Refusal refusal = refusal(r);
        if (refusal != null) {
            release(r);
            LOG.debug("{}: refused command {} at {}+{}: {}", ctx.channel().remoteAddress(), r.type(), r.offset(),
                    r.length(), refusal.message());
            replyError(r, refusal.errno(), refusal.message());
            return;
        }
        long bytes = r.type() == CMD_READ || r.type() == CMD_WRITE ? r.length() : 0;
        inFlight++;
        inFlightBytes += bytes;
        updateAutoRead();
        CompletableFuture<?> result;
        try {
            result = execute(r);
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        result.whenComplete((value, failure) -> onEventLoop(() -> finish(r, bytes, value, failure)));
    }

    /** Why a request is refused, and the error it is answered with. */
    private record Refusal(int errno, String message) {
    }

    /** @return null if the request may run, else why not */
    private Refusal refusal(NbdRequest r) {
        int allowed = RequestDescriptor.allowedFlags(r.type());
        if (allowed < 0) {
            return new Refusal(ReplyDescriptor.EINVAL, "unknown command " + r.type());
        }
        if ((r.flags() & ~allowed) != 0) {
            return new Refusal(ReplyDescriptor.EINVAL,
                    String.format("flags 0x%x not valid for command %d", r.flags() & ~allowed, r.type()));
        }
        if (r.type() == CMD_FLUSH) {
            return null;
        }
        boolean writes = r.type() == CMD_WRITE || r.type() == CMD_TRIM || r.type() == CMD_WRITE_ZEROES;
        if (writes && session.export().readOnly()) {
            return new Refusal(ReplyDescriptor.EPERM, "the export is read-only");
        }
        if (r.offset() % RequestDescriptor.MIN_BLOCK != 0 || r.length() % RequestDescriptor.MIN_BLOCK != 0) {
            return new Refusal(ReplyDescriptor.EINVAL,
                    "offset and length must be multiples of " + RequestDescriptor.MIN_BLOCK);
        }
        long end = r.end();
        if (end < 0 || end > volume.size()) {
            return new Refusal(r.type() == CMD_WRITE || r.type() == CMD_WRITE_ZEROES
                    ? ReplyDescriptor.ENOSPC : ReplyDescriptor.EINVAL,
                    "range past the end of the export (" + volume.size() + " bytes)");
        }
        if ((r.type() == CMD_READ || r.type() == CMD_WRITE) && r.length() > RequestDescriptor.MAX_BLOCK) {
            return new Refusal(ReplyDescriptor.EINVAL,
                    "length over the maximum block size " + RequestDescriptor.MAX_BLOCK);
        }
        if (r.type() == CMD_BLOCK_STATUS && !session.allocation()) {
            return new Refusal(ReplyDescriptor.EINVAL, "no meta context was selected");
        }
        if (r.type() == CMD_BLOCK_STATUS && r.length() == 0) {
            return new Refusal(ReplyDescriptor.EINVAL, "block status of an empty range");
        }
        int noHoleFast = RequestDescriptor.FLAG_NO_HOLE | RequestDescriptor.FLAG_FAST_ZERO;
        if (r.type() == CMD_WRITE_ZEROES && (r.flags() & noHoleFast) == noHoleFast) {
            return new Refusal(ReplyDescriptor.ENOTSUP, "zeroing without holes is not fast: it writes zeros");
        }
        return null;
    }

    private CompletableFuture<?> execute(NbdRequest r) {
        boolean fua = (r.flags() & RequestDescriptor.FLAG_FUA) != 0;
        return switch (r.type()) {
            case CMD_READ -> read(r);
            case CMD_WRITE -> r.length() == 0 ? CompletableFuture.completedFuture(null)
                    : volume.write(r.offset(), r.payload().nioBuffer(), BlockVolume.NO_EPOCH, fua);
            case CMD_FLUSH -> volume.flush();
            case CMD_TRIM -> thenFlushIf(fua, volume.discard(r.offset(), r.length()));
            case CMD_WRITE_ZEROES -> (r.flags() & RequestDescriptor.FLAG_NO_HOLE) != 0
                    ? writeZeros(r.offset(), r.length(), fua)
                    : thenFlushIf(fua, volume.writeZeroes(r.offset(), r.length(), BlockVolume.NO_EPOCH));
            case CMD_BLOCK_STATUS -> volume.allocation(r.offset(), r.length());
            default -> throw new IllegalStateException("unchecked command " + r.type());
        };
    }

    /**
     * Reads into a direct buffer whose data starts at a {@link #READ_ALIGNMENT} boundary, so
     * an O_DIRECT volume reads into it in place; the reply sends that same memory.
     */
    private CompletableFuture<ByteBuf> read(NbdRequest r) {
        int length = (int) r.length();
        ByteBuf buf = ctx.alloc().directBuffer(length + READ_ALIGNMENT);
        long address = MemorySegment.ofBuffer(buf.nioBuffer(0, buf.capacity())).address();
        int skew = (int) ((READ_ALIGNMENT - address % READ_ALIGNMENT) % READ_ALIGNMENT);
        CompletableFuture<ByteBuf> done = new CompletableFuture<>();
        volume.read(r.offset(), buf.nioBuffer(skew, length)).whenComplete((v, failure) -> {
            if (failure != null) {
                buf.release();
                done.completeExceptionally(failure);
            } else {
                done.complete(buf.setIndex(skew, skew + length));
            }
        });
        return done;
    }

    /** WRITE_ZEROES with NO_HOLE: the range must stay allocated, so zeros are written, 1 MiB at a time. */
    private CompletableFuture<Void> writeZeros(long offset, long length, boolean fua) {
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (long done = 0; done < length; done += ZERO_BUFFER_LENGTH) {
            long at = offset + done;
            int n = (int) Math.min(ZERO_BUFFER_LENGTH, length - done);
            chain = chain.thenCompose(v -> volume.write(at, ZEROS.duplicate().limit(n), BlockVolume.NO_EPOCH, fua));
        }
        return chain;
    }

    private CompletableFuture<Void> thenFlushIf(boolean fua, CompletableFuture<Void> op) {
        return fua ? op.thenCompose(v -> volume.flush()) : op;
    }

    private void finish(NbdRequest r, long bytes, Object value, Throwable failure) {
        release(r);
        inFlight--;
        inFlightBytes -= bytes;
        if (failure != null) {
            VolumeException e = VolumeException.unwrap(failure);
            LOG.warn("{}: command {} at {}+{} failed: {}", ctx.channel().remoteAddress(), r.type(), r.offset(),
                    r.length(), e.getMessage());
            replyError(r, VolumeErrors.errno(e), e.getMessage());
        } else if (r.type() == CMD_READ) {
            ByteBuf data = (ByteBuf) value;
            if (session.structured()) {
                Replies.structuredRead(ctx, r.cookie(), r.offset(), data,
                        (r.flags() & RequestDescriptor.FLAG_DF) != 0);
            } else {
                Replies.simpleRead(ctx, r.cookie(), data);
            }
        } else if (r.type() == CMD_BLOCK_STATUS) {
            @SuppressWarnings("unchecked")
            List<Extent> extents = (List<Extent>) value;
            boolean one = (r.flags() & RequestDescriptor.FLAG_REQ_ONE) != 0;
            Replies.blockStatus(ctx, r.cookie(), one ? extents.subList(0, 1) : extents);
        } else {
            Replies.simple(ctx, r.cookie(), 0);
        }
        scheduleFlush();
        updateAutoRead();
        closeIfDone();
    }

    private void replyError(NbdRequest r, int errno, String message) {
        if (session.structured() && (r.type() == CMD_READ || r.type() == CMD_BLOCK_STATUS)) {
            Replies.structuredError(ctx, r.cookie(), errno, message);
        } else {
            Replies.simple(ctx, r.cookie(), errno);
        }
        scheduleFlush();
    }

    /**
     * Flushes after the event loop has run the tasks already queued, which are often more
     * completions: their replies then leave in one write instead of one each.
     */
    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(flush);
        }
    }

    private void updateAutoRead() {
        boolean read = !disconnecting && inFlight < limits.maxRequests() && inFlightBytes < limits.maxBytes()
                && ctx.channel().isWritable();
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    private void closeIfDone() {
        if (disconnecting && inFlight == 0) {
            ctx.flush();
            ctx.close();
        }
    }

    private void onEventLoop(Runnable task) {
        if (ctx.executor().inEventLoop()) {
            task.run();
        } else {
            ctx.executor().execute(task);
        }
    }

    private static void release(NbdRequest r) {
        if (r.payload() != null) {
            r.payload().release();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateAutoRead();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.info("{}: closing: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
