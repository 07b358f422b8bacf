package dev.pfs.chunkserver.protocol;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/** The socket transport: native epoll where Netty can load it, else Java NIO. */
public final class Transport {
    private Transport() {
    }

    /** @return whether epoll is in use */
    public static boolean isEpoll() {
        return Epoll.isAvailable();
    }

    /** @return an event loop group of {@code threads} loops (one per core is the intent) */
    public static EventLoopGroup group(int threads, String name) {
        IoHandlerFactory factory = isEpoll() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    /** @return the server channel class matching {@link #group} */
    public static Class<? extends ServerChannel> serverChannel() {
        return isEpoll() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** @return the client channel class matching {@link #group} */
    public static Class<? extends SocketChannel> clientChannel() {
        return isEpoll() ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
