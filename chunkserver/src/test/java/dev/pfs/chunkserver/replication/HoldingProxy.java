package dev.pfs.chunkserver.replication;

import dev.pfs.chunkserver.protocol.ChunkFrameDescriptor;
import dev.pfs.chunkserver.protocol.ChunkOp;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy in front of one chunkserver that can keep one client write back, as a network
 * does with a segment it retransmits late: once {@linkplain #holdNextWrite armed}, the next
 * REPLICATED_WRITE frame is not forwarded and the client's side of that connection is closed
 * (the client sees its try fail with the outcome unknown), while the server's side stays open;
 * {@link #release} delivers the frame there later. Everything else is forwarded as it comes.
 * Frames are read whole by their length field; test code only.
 */
final class HoldingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean armed;
    private volatile CompletableFuture<Held> held = new CompletableFuture<>();

    /** The write kept back, the server-side socket it belongs on, and the reply bytes that came back there. */
    private record Held(byte[] frame, Socket upstream, AtomicLong replied) {
    }

    HoldingProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("holding-proxy").start(this::accept);
    }

    /** @return where clients connect */
    InetSocketAddress address() {
        return InetSocketAddress.createUnresolved("127.0.0.1", listener.getLocalPort());
    }

    /** Keeps the next client write back and cuts its client's connection (the one held before is forgotten). */
    void holdNextWrite() {
        held = new CompletableFuture<>();
        armed = true;
    }

    /** Waits until a write is held. */
    void awaitHeld(long seconds) throws Exception {
        held.get(seconds, TimeUnit.SECONDS);
    }

    /** Delivers the held write to the server and waits for the server's reply to it (then discarded). */
    void release(long seconds) throws Exception {
        Held h = held.get(seconds, TimeUnit.SECONDS);
        h.upstream.getOutputStream().write(h.frame);
        h.upstream.getOutputStream().flush();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (h.replied.get() < ChunkFrameDescriptor.HEADER_LENGTH) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("no reply to the released write within " + seconds + " s");
            }
            Thread.sleep(10);
        }
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket upstream = new Socket(target.getHostString(), target.getPort());
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                AtomicLong replied = new AtomicLong();
                Thread.ofPlatform().daemon().start(() -> toClient(upstream, client, replied));
                Thread.ofPlatform().daemon().start(() -> toServer(client, upstream, replied));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Forwards whole frames from the client, keeping back the first write once armed. */
    private void toServer(Socket client, Socket upstream, AtomicLong replied) {
        try {
            DataInputStream in = new DataInputStream(client.getInputStream());
            OutputStream out = upstream.getOutputStream();
            while (true) {
                int length = in.readInt();
                byte[] frame = new byte[length];
                frame[0] = (byte) (length >>> 24);
                frame[1] = (byte) (length >>> 16);
                frame[2] = (byte) (length >>> 8);
                frame[3] = (byte) length;
                in.readFully(frame, 4, length - 4);
                int op = (frame[ChunkFrameDescriptor.OP_OFFSET] & 0xff) & ~ChunkFrameDescriptor.REPLY_BIT;
                if (armed && op == ChunkOp.REPLICATED_WRITE.code()) {
                    armed = false;
                    replied.set(0);
                    held.complete(new Held(frame, upstream, replied));
                    client.close();
                    return;
                }
                out.write(frame);
                out.flush();
            }
        } catch (IOException e) {
            closeQuietly(upstream);
        }
    }

    /** Copies the server's bytes to the client; once the client is cut, only counts them. */
    private static void toClient(Socket upstream, Socket client, AtomicLong replied) {
        byte[] buf = new byte[64 * 1024];
        boolean cut = false;
        try {
            InputStream in = upstream.getInputStream();
            for (int n; (n = in.read(buf)) >= 0; ) {
                replied.addAndGet(n);
                if (!cut) {
                    try {
                        client.getOutputStream().write(buf, 0, n);
                    } catch (IOException e) {
                        cut = true;
                    }
                }
            }
        } catch (IOException e) {
            // The server side closed.
        }
        closeQuietly(client);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        sockets.forEach(HoldingProxy::closeQuietly);
    }
}
