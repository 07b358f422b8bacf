package dev.pfs.nbd.handshake;

import dev.pfs.nbd.NbdExport;
import dev.pfs.nbd.TlsMode;
import dev.pfs.nbd.transmission.Session;
import dev.pfs.nbd.transmission.TransmissionLimits;
import dev.pfs.nbd.transmission.TransmissionPipeline;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's side of the fixed newstyle handshake: greets, answers options one at a time
 * (the client may send the next only after the last reply), and on GO or EXPORT_NAME replaces
 * the handshake's handlers with the transmission pipeline. Unknown options get
 * NBD_REP_ERR_UNSUP and the connection stays up; only what the spec says cannot be answered
 * (bad client flags, a bad magic, EXPORT_NAME of an unknown export or before a required TLS
 * upgrade) closes it.
 */
public final class HandshakeHandler extends ChannelInboundHandlerAdapter {
    /** Pipeline names of the handshake's handlers, removed when transmission starts. */
    public static final String FRAME = "nbd-option-frame";
    public static final String MESSAGE = "nbd-option-message";
    public static final String HANDLER = "nbd-handshake";
    private static final String TLS = "nbd-tls";
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeHandler.class);

    private final NbdExport export;
    private final TlsMode tlsMode;
    private final SslContext sslContext;
    private final TransmissionLimits limits;
    private boolean noZeroes;
    private boolean tlsActive;
    private boolean structured;
    private boolean allocation;

    /**
     * @param sslContext the server's TLS context; null exactly when {@code tlsMode} is OFF
     */
    public HandshakeHandler(NbdExport export, TlsMode tlsMode, SslContext sslContext, TransmissionLimits limits) {
        if ((tlsMode == TlsMode.OFF) != (sslContext == null)) {
            throw new IllegalArgumentException("TLS mode " + tlsMode + " with" + (sslContext == null ? "out" : "")
                    + " a TLS context");
        }
        this.export = export;
        this.tlsMode = tlsMode;
        this.sslContext = sslContext;
        this.limits = limits;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(OptionReplies.greeting(ctx.alloc()));
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (msg) {
            case ClientFlags flags -> clientFlags(ctx, flags);
            case OversizedOption big -> ctx.writeAndFlush(OptionReplies.error(ctx.alloc(), big.option(),
                    OptionReplyDescriptor.ERR_TOO_BIG, "option data of " + big.length() + " bytes is over "
                            + OptionDescriptor.MAX_DATA));
            case OptionRequest request -> {
                try {
                    option(ctx, request.option(), request.data());
                } finally {
                    request.data().release();
                }
            }
            default -> ctx.fireChannelRead(msg);
        }
    }

    private void clientFlags(ChannelHandlerContext ctx, ClientFlags flags) {
        String bad = GreetingDescriptor.checkClientFlags(flags.flags());
        if (bad != null) {
            hangUp(ctx, bad);
            return;
        }
        noZeroes = flags.noZeroes();
    }

    private void option(ChannelHandlerContext ctx, int option, ByteBuf data) {
        if (tlsMode == TlsMode.REQUIRE && !tlsActive
                && option != OptionDescriptor.STARTTLS && option != OptionDescriptor.ABORT) {
            if (option == OptionDescriptor.EXPORT_NAME) {
                hangUp(ctx, "EXPORT_NAME before the required TLS upgrade");
            } else {
                replyError(ctx, option, OptionReplyDescriptor.ERR_TLS_REQD, "this server requires TLS: use STARTTLS");
            }
            return;
        }
        switch (option) {
            case OptionDescriptor.EXPORT_NAME -> exportName(ctx, data);
            case OptionDescriptor.ABORT -> ctx.writeAndFlush(OptionReplies.reply(ctx.alloc(), option,
                    OptionReplyDescriptor.ACK)).addListener(ChannelFutureListener.CLOSE);
            case OptionDescriptor.LIST -> list(ctx, data);
            case OptionDescriptor.STARTTLS -> startTls(ctx, data);
            case OptionDescriptor.INFO, OptionDescriptor.GO -> info(ctx, option, data);
            case OptionDescriptor.STRUCTURED_REPLY -> {
                if (data.isReadable()) {
                    replyError(ctx, option, OptionReplyDescriptor.ERR_INVALID, "STRUCTURED_REPLY takes no data");
                } else {
                    structured = true;
                    ack(ctx, option);
                }
            }
            case OptionDescriptor.LIST_META_CONTEXT, OptionDescriptor.SET_META_CONTEXT -> metaContext(ctx, option, data);
            default -> replyError(ctx, option, OptionReplyDescriptor.ERR_UNSUP, "option " + option + " is not supported");
        }
    }

    private void exportName(ChannelHandlerContext ctx, ByteBuf data) {
        String name = data.toString(StandardCharsets.UTF_8);
        if (!export.answersTo(name)) {
            hangUp(ctx, "EXPORT_NAME of unknown export '" + name + "'");
            return;
        }
        Session session = new Session(export, structured, allocation);
        ctx.writeAndFlush(OptionReplies.exportName(ctx.alloc(), export.volume().size(),
                session.transmissionFlags(), noZeroes));
        startTransmission(ctx, session);
    }

    private void list(ChannelHandlerContext ctx, ByteBuf data) {
        if (data.isReadable()) {
            replyError(ctx, OptionDescriptor.LIST, OptionReplyDescriptor.ERR_INVALID, "LIST takes no data");
            return;
        }
        ctx.write(OptionReplies.server(ctx.alloc(), export));
        ack(ctx, OptionDescriptor.LIST);
    }

    private void startTls(ChannelHandlerContext ctx, ByteBuf data) {
        if (tlsMode == TlsMode.OFF) {
            replyError(ctx, OptionDescriptor.STARTTLS, OptionReplyDescriptor.ERR_UNSUP, "TLS is not configured");
        } else if (tlsActive || data.isReadable()) {
            replyError(ctx, OptionDescriptor.STARTTLS, OptionReplyDescriptor.ERR_INVALID,
                    tlsActive ? "TLS is already active" : "STARTTLS takes no data");
        } else {
            tlsActive = true;
            // startTls: the ACK still goes out in plain text, everything after it is TLS.
            ctx.pipeline().addFirst(TLS, new SslHandler(sslContext.newEngine(ctx.alloc()), true));
            ack(ctx, OptionDescriptor.STARTTLS);
        }
    }

    private void info(ChannelHandlerContext ctx, int option, ByteBuf data) {
        OptionData.InfoRequest request = OptionData.info(data);
        if (!acceptsExport(ctx, option, request == null ? null : request.name())) {
            return;
        }
        Session session = new Session(export, structured, allocation);
        ctx.write(OptionReplies.infoExport(ctx.alloc(), option, export.volume().size(), session.transmissionFlags()));
        if (request.infos().contains(OptionReplyDescriptor.INFO_NAME)) {
            ctx.write(OptionReplies.infoText(ctx.alloc(), option, OptionReplyDescriptor.INFO_NAME, export.name()));
        }
        if (request.infos().contains(OptionReplyDescriptor.INFO_DESCRIPTION) && !export.description().isEmpty()) {
            ctx.write(OptionReplies.infoText(ctx.alloc(), option, OptionReplyDescriptor.INFO_DESCRIPTION,
                    export.description()));
        }
        ctx.write(OptionReplies.infoBlockSize(ctx.alloc(), option));
        ack(ctx, option);
        if (option == OptionDescriptor.GO) {
            startTransmission(ctx, session);
        }
    }

    private void metaContext(ChannelHandlerContext ctx, int option, ByteBuf data) {
        boolean set = option == OptionDescriptor.SET_META_CONTEXT;
        if (set && !structured) {
            replyError(ctx, option, OptionReplyDescriptor.ERR_INVALID, "SET_META_CONTEXT needs structured replies first");
            return;
        }
        OptionData.MetaContextRequest request = OptionData.metaContext(data);
        if (!acceptsExport(ctx, option, request == null ? null : request.name())) {
            return;
        }
        boolean match = matchesAllocation(request.queries(), !set);
        if (set) {
            allocation = match;
        }
        if (match) {
            ctx.write(OptionReplies.metaContext(ctx.alloc(), option, set ? Session.ALLOCATION_CONTEXT_ID : 0,
                    Session.ALLOCATION_CONTEXT));
        }
        ack(ctx, option);
    }

    /**
     * Refuses an option whose data did not parse (null {@code name}) or that names another export.
     *
     * @return true if the option may go on: its data parsed and names this export
     */
    private boolean acceptsExport(ChannelHandlerContext ctx, int option, String name) {
        if (name == null) {
            replyError(ctx, option, OptionReplyDescriptor.ERR_INVALID, "malformed data for option " + option);
            return false;
        }
        if (!export.answersTo(name)) {
            replyError(ctx, option, OptionReplyDescriptor.ERR_UNKNOWN, "no export '" + name + "'");
            return false;
        }
        return true;
    }

    /** LIST may ask for everything (no queries) or a namespace ("base:"); SET names the context. */
    private static boolean matchesAllocation(List<String> queries, boolean list) {
        if (list && queries.isEmpty()) {
            return true;
        }
        for (String q : queries) {
            if (q.equals(Session.ALLOCATION_CONTEXT) || (list && q.equals("base:"))) {
                return true;
            }
        }
        return false;
    }

    private void startTransmission(ChannelHandlerContext ctx, Session session) {
        LOG.debug("{}: transmission on export '{}' (structured {}, base:allocation {}, TLS {})",
                ctx.channel().remoteAddress(), export.name(), session.structured(), session.allocation(), tlsActive);
        TransmissionPipeline.install(ctx.pipeline(), FRAME, session, limits);
        ctx.pipeline().remove(HANDLER);
        ctx.pipeline().remove(MESSAGE);
        // Last: bytes the client sent after its GO are handed on to the transmission decoder.
        ctx.pipeline().remove(FRAME);
    }

    private static void ack(ChannelHandlerContext ctx, int option) {
        ctx.writeAndFlush(OptionReplies.reply(ctx.alloc(), option, OptionReplyDescriptor.ACK));
    }

    private static void replyError(ChannelHandlerContext ctx, int option, int type, String message) {
        LOG.debug("{}: option {}: {}", ctx.channel().remoteAddress(), option, message);
        ctx.writeAndFlush(OptionReplies.error(ctx.alloc(), option, type, message));
    }

    private static void hangUp(ChannelHandlerContext ctx, String why) {
        LOG.info("{}: closing during the handshake: {}", ctx.channel().remoteAddress(), why);
        ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedFrameException) {
            hangUp(ctx, cause.getMessage());
        } else {
            LOG.info("{}: closing during the handshake: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
