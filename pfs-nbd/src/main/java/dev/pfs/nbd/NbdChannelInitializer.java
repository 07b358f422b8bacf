package dev.pfs.nbd;

import dev.pfs.nbd.handshake.HandshakeHandler;
import dev.pfs.nbd.handshake.OptionFrameDecoder;
import dev.pfs.nbd.handshake.OptionMessageDecoder;
import dev.pfs.nbd.transmission.TransmissionLimits;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.SslContext;

/**
 * The pipeline a new connection starts with: the handshake's frame decoder → message decoder →
 * handler. The handshake handler swaps in the transmission pipeline when the client picks the
 * export. Tests put this on an {@code EmbeddedChannel}.
 */
public final class NbdChannelInitializer extends ChannelInitializer<Channel> {
    private final NbdExport export;
    private final TlsMode tlsMode;
    private final SslContext sslContext;
    private final TransmissionLimits limits;

    /** @param sslContext the TLS context, null exactly when {@code tlsMode} is OFF */
    public NbdChannelInitializer(NbdExport export, TlsMode tlsMode, SslContext sslContext, TransmissionLimits limits) {
        this.export = export;
        this.tlsMode = tlsMode;
        this.sslContext = sslContext;
        this.limits = limits;
    }

    @Override
    protected void initChannel(Channel ch) {
        ch.pipeline()
                .addLast(HandshakeHandler.FRAME, new OptionFrameDecoder())
                .addLast(HandshakeHandler.MESSAGE, new OptionMessageDecoder())
                .addLast(HandshakeHandler.HANDLER, new HandshakeHandler(export, tlsMode, sslContext, limits));
    }
}
