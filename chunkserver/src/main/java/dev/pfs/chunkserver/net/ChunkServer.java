package dev.pfs.chunkserver.net;

import dev.pfs.chunkserver.protocol.Transport;
import dev.pfs.chunkserver.protocol.ChunkMessageDecoder;
import dev.pfs.chunkserver.protocol.ChunkFrameDecoder;
import dev.pfs.chunkserver.protocol.ChunkFrameDescriptor;
import dev.pfs.chunkserver.metrics.ChunkServerMetrics;
import dev.pfs.chunkserver.replication.Replication;
import dev.pfs.chunkserver.store.ChunkStore;
import dev.pfs.chunkserver.tls.ClusterTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The data-path server: one event loop per core, each connection pinned to one loop, the
 * pipeline frame decoder → message decoder → handler. The loops share nothing but the store's
 * request queue; disk work runs on the store's threads.
 */
public final class ChunkServer implements AutoCloseable {
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel channel;

    private ChunkServer(EventLoopGroup boss, EventLoopGroup workers, Channel channel) {
        this.boss = boss;
        this.workers = workers;
        this.channel = channel;
    }

    /**
     * Binds and starts serving.
     *
     * @param ioThreads event loops (0: one per core)
     */
    public static ChunkServer start(InetSocketAddress listen, ChunkStore store, long defaultChunkSize,
                                    ChunkServerMetrics metrics, int ioThreads) throws InterruptedException {
        return start(listen, store, null, defaultChunkSize, metrics, ioThreads, null);
    }

    /**
     * Binds and starts serving, replicated chunks too.
     *
     * @param replication this server's replication groups, or null for none
     * @param ioThreads   event loops (0: one per core)
     * @param tls         mutual TLS every connection must pass before its first frame, or null for plain TCP
     */
    public static ChunkServer start(InetSocketAddress listen, ChunkStore store, Replication replication,
                                    long defaultChunkSize, ChunkServerMetrics metrics, int ioThreads, ClusterTls tls)
            throws InterruptedException {
        int threads = ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
        EventLoopGroup boss = Transport.group(1, "pfs-cs-accept");
        EventLoopGroup workers = Transport.group(threads, "pfs-cs-io");
        try {
            Channel ch = new ServerBootstrap().group(boss, workers).channel(Transport.serverChannel())
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(4 << 20, 16 << 20))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            if (tls != null) {
                                c.pipeline().addLast("tls", tls.serverHandler(c.alloc()));
                            }
                            c.pipeline().addLast("frame", new ChunkFrameDecoder(ChunkFrameDescriptor.MAX_FRAME,
                                            ChunkFrameDescriptor.MAX_RAFT_FRAME))
                                    .addLast("message", new ChunkMessageDecoder())
                                    .addLast("handler", new ChunkServerHandler(store, replication, defaultChunkSize, metrics));
                        }
                    })
                    .bind(listen).sync().channel();
            return new ChunkServer(boss, workers, ch);
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** @return the bound address (the real port when started on port 0) */
    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Stops accepting, closes connections and stops the event loops. */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
