package dev.pfs.pswitch.server;

import dev.pfs.nativeio.LinuxIo;
import dev.pfs.nativeio.NativeIoException;
import dev.pfs.nativeio.UnixSocket;
import dev.pfs.pswitch.attach.AttachDescriptor;
import dev.pfs.pswitch.ring.Channel;
import dev.pfs.pswitch.ring.ChannelLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The switch's unix socket: accepts clients, runs the attach handshake
 * ({@link AttachDescriptor}) on a thread per client, checks the peer's uid against the
 * volume's owner (SO_PEERCRED), makes the client's channel and sends its memfd
 * (SCM_RIGHTS), hands the session to the agent, then waits on the socket until it ends:
 * that is how the switch learns a client died, kill -9 included. A byte the client sends on
 * it is the doorbell: it posted while the switch slept.
 */
final class AttachListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AttachListener.class);

    private final Path path;
    private final Map<String, VolumeExport> exports;
    private final ChannelLayout layout;
    private final SwitchAgent agent;
    private final SwitchCounters counters;
    /** Session ids grow across restarts too (clock-based start), so logs never show one id twice. */
    private final AtomicLong nextSession = new AtomicLong(System.currentTimeMillis() * 1000);
    private final int listening;
    private final Thread acceptor;
    private volatile boolean closed;

    private AttachListener(Path path, Map<String, VolumeExport> exports, ChannelLayout layout, SwitchAgent agent,
                           SwitchCounters counters, int listening) {
        this.path = path;
        this.exports = exports;
        this.layout = layout;
        this.agent = agent;
        this.counters = counters;
        this.listening = listening;
        this.acceptor = Thread.ofPlatform().daemon().name("pfs-switch-accept").unstarted(this::acceptLoop);
    }

    /**
     * Listens at {@code path}. A socket file nobody listens on (left by a switch that died) is
     * replaced; one a live switch listens on is refused.
     *
     * @throws IOException when the path is taken or cannot be bound
     */
    static AttachListener start(Path path, Map<String, VolumeExport> exports, ChannelLayout layout, SwitchAgent agent,
                                SwitchCounters counters) throws IOException {
        if (path.getParent() != null) {
            Files.createDirectories(path.getParent());
        }
        removeStaleSocket(path);
        int fd = UnixSocket.listen(path.toString(), 128);
        // Any local user may connect; SO_PEERCRED decides who may attach to what.
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
        AttachListener listener = new AttachListener(path, exports, layout, agent, counters, fd);
        listener.acceptor.start();
        return listener;
    }

    private static void removeStaleSocket(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isRegularFile(path) || Files.isDirectory(path)) {
            throw new IOException(path + " exists and is not a socket");
        }
        try {
            LinuxIo.close(UnixSocket.connect(path.toString()));
            throw new IOException("another switch listens on " + path);
        } catch (NativeIoException e) {
            if (!UnixSocket.isRefused(e)) {
                throw new IOException("cannot check " + path + ": " + e.getMessage(), e);
            }
            LOG.info("{}: replacing a stale socket (nobody listens on it)", path);
            Files.delete(path);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            int fd;
            try {
                fd = UnixSocket.accept(listening);
            } catch (NativeIoException e) {
                if (!closed) {
                    LOG.error("{}: accept failed, no more clients can attach: {}", path, e.getMessage());
                }
                return;
            }
            Thread.ofPlatform().daemon().name("pfs-switch-client-fd" + fd).start(() -> serve(fd));
        }
    }

    /** Runs one client's handshake, then waits for its socket to end. */
    private void serve(int fd) {
        ClientSession session = null;
        try {
            session = attach(fd);
        } catch (NativeIoException | RuntimeException e) {
            LOG.warn("attach on {} failed: {}", path, e.toString());
        }
        if (session == null) {
            closeQuietly(fd);
            return;
        }
        byte[] packet = new byte[AttachDescriptor.MAX_PACKET];
        String reason = "client closed its socket";
        try {
            while (true) {
                UnixSocket.Received r = UnixSocket.receive(fd, packet);
                if (r.descriptor() >= 0) {
                    closeQuietly(r.descriptor());
                }
                if (r.length() == 0) {
                    break;
                }
                agent.wake();
            }
        } catch (NativeIoException e) {
            reason = "socket failed: " + e.getMessage();
        }
        session.socketEnded(reason);
        agent.wake();
    }

    /** @return the attached session, or null when the client was refused (and told why) */
    private ClientSession attach(int fd) throws NativeIoException {
        UnixSocket.PeerCredentials peer = UnixSocket.peerCredentials(fd);
        byte[] packet = new byte[AttachDescriptor.MAX_PACKET];
        UnixSocket.Received r = UnixSocket.receive(fd, packet);
        if (r.descriptor() >= 0) {
            closeQuietly(r.descriptor());
        }
        if (r.length() == 0) {
            return null;
        }
        String name;
        try {
            name = AttachDescriptor.decodeRequest(packet, r.length());
        } catch (IllegalArgumentException e) {
            return refuse(fd, peer, AttachDescriptor.BAD_REQUEST, e.getMessage());
        }
        VolumeExport export = exports.get(name);
        if (export == null) {
            return refuse(fd, peer, AttachDescriptor.NO_SUCH_VOLUME, "this switch serves no volume '" + name + "'");
        }
        if (!export.allows(peer)) {
            counters.deniedAttach();
            return refuse(fd, peer, AttachDescriptor.PERMISSION_DENIED, "uid " + peer.uid() + " may not use volume '"
                    + name + "' (owner uid " + export.ownerUid() + ")");
        }
        if (closed) {
            return refuse(fd, peer, AttachDescriptor.UNAVAILABLE, "the switch is stopping");
        }
        long id = nextSession.getAndIncrement();
        Channel.Created created;
        try {
            created = Channel.create("pfs-switch-session-" + id, layout, id, export.volume().size());
        } catch (NativeIoException e) {
            return refuse(fd, peer, AttachDescriptor.UNAVAILABLE, "cannot make a channel: " + e.getMessage());
        }
        ClientSession session = new ClientSession(id, export, peer, created.channel(), fd, counters);
        try {
            byte[] reply = AttachDescriptor.encodeReply(AttachDescriptor.OK, id, "");
            UnixSocket.send(fd, reply, reply.length, created.descriptor());
        } catch (NativeIoException e) {
            created.channel().close();
            throw e;
        } finally {
            LinuxIo.close(created.descriptor());
        }
        counters.attached();
        LOG.info("{}: attached", session);
        agent.add(session);
        return session;
    }

    private ClientSession refuse(int fd, UnixSocket.PeerCredentials peer, int status, String message)
            throws NativeIoException {
        LOG.warn("refused attach from pid {} uid {}: {}", peer.pid(), peer.uid(), message);
        byte[] reply = AttachDescriptor.encodeReply(status, 0, message);
        UnixSocket.send(fd, reply, reply.length, -1);
        return null;
    }

    private static void closeQuietly(int fd) {
        try {
            LinuxIo.close(fd);
        } catch (NativeIoException e) {
            LOG.debug("close: {}", e.getMessage());
        }
    }

    /** Stops accepting and removes the socket file; attached sessions are the agent's to end. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        UnixSocket.shutdown(listening);
        try {
            acceptor.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LinuxIo.close(listening);
        Files.deleteIfExists(path);
    }
}
