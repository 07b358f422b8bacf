package dev.pfs.nbd;

import dev.pfs.nbd.transmission.TransmissionLimits;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Serves one {@link NbdExport} over TCP or a Unix socket until closed. Connections are spread
 * over the event loops; each is served independently (the volume is all they share), so a slow
 * or vanished client affects only itself.
 */
public final class NbdServer implements AutoCloseable {
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel channel;

    /**
     * How to serve.
     *
     * @param listen     a TCP address, or a {@link DomainSocketAddress}
     * @param tlsMode    whether TLS is off, offered or required
     * @param sslContext the server's TLS context, null exactly when {@code tlsMode} is OFF
     * @param ioThreads  event loops
     * @param limits     per-connection in-flight limits
     */
    public record Options(SocketAddress listen, TlsMode tlsMode, SslContext sslContext, int ioThreads,
                          TransmissionLimits limits) {
        /** Checks the options. */
        public Options {
            if ((tlsMode == TlsMode.OFF) != (sslContext == null)) {
                throw new IllegalArgumentException("TLS mode " + tlsMode + " needs "
                        + (sslContext == null ? "a certificate and key" : "no certificate"));
            }
            if (ioThreads < 1) {
                throw new IllegalArgumentException("io threads " + ioThreads + " must be at least 1");
            }
        }
    }

    private NbdServer(EventLoopGroup boss, EventLoopGroup workers, Channel channel) {
        this.boss = boss;
        this.workers = workers;
        this.channel = channel;
    }

    /**
     * Binds and starts serving.
     *
     * @throws IllegalArgumentException for a Unix socket where native epoll is not available
     */
    public static NbdServer start(NbdExport export, Options options) throws InterruptedException {
        boolean unix = options.listen() instanceof DomainSocketAddress;
        if (unix && !Epoll.isAvailable()) {
            throw new IllegalArgumentException("Unix sockets need Netty's native epoll, which did not load: "
                    + Epoll.unavailabilityCause());
        }
        EventLoopGroup boss = group(1, "pfs-nbd-accept");
        EventLoopGroup workers = group(options.ioThreads(), "pfs-nbd-io");
        try {
            ServerBootstrap bootstrap = new ServerBootstrap().group(boss, workers).channel(serverChannel(unix));
            if (!unix) {
                bootstrap.option(ChannelOption.SO_REUSEADDR, true).childOption(ChannelOption.TCP_NODELAY, true);
            }
            Channel ch = bootstrap
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(8 << 20, 64 << 20))
                    .childHandler(new NbdChannelInitializer(export, options.tlsMode(), options.sslContext(),
                            options.limits()))
                    .bind(options.listen()).sync().channel();
            return new NbdServer(boss, workers, ch);
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    private static EventLoopGroup group(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true),
                Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    private static Class<? extends ServerChannel> serverChannel(boolean unix) {
        if (unix) {
            return EpollServerDomainSocketChannel.class;
        }
        return Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** @return the bound address (the real port when started on port 0) */
    public SocketAddress address() {
        return channel.localAddress();
    }

    /** Stops accepting, closes every connection and stops the event loops. */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
