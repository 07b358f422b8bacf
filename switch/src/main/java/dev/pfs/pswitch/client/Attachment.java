package dev.pfs.pswitch.client;

import dev.pfs.common.volume.VolumeException;
import dev.pfs.nativeio.LinuxIo;
import dev.pfs.nativeio.NativeIoException;
import dev.pfs.nativeio.UnixSocket;
import dev.pfs.pswitch.attach.AttachDescriptor;
import dev.pfs.pswitch.ring.Channel;
import dev.pfs.pswitch.ring.ChannelException;

/**
 * One attachment to a switch: the connected socket (it stays open for the attachment's life)
 * and the channel the switch sent over it.
 */
final class Attachment implements AutoCloseable {
    private final int socket;
    private final Channel channel;
    private final long sessionId;
    private boolean closed;

    private Attachment(int socket, Channel channel) {
        this.socket = socket;
        this.channel = channel;
        this.sessionId = channel.sessionId();
    }

    /**
     * Connects to the switch at {@code socketPath} and attaches to {@code volume}.
     *
     * @throws VolumeException UNAVAILABLE when no switch answers, it refuses (saying why), or
     *                         its channel is not one this code can use
     */
    static Attachment attach(String socketPath, String volume) throws VolumeException {
        int fd;
        try {
            fd = UnixSocket.connect(socketPath);
        } catch (NativeIoException e) {
            throw new VolumeException(VolumeException.Kind.UNAVAILABLE, "no switch at " + socketPath + ": "
                    + e.getMessage(), e);
        }
        try {
            byte[] request = AttachDescriptor.encodeRequest(volume);
            UnixSocket.send(fd, request, request.length, -1);
            byte[] packet = new byte[AttachDescriptor.MAX_PACKET];
            UnixSocket.Received r = UnixSocket.receive(fd, packet);
            if (r.length() == 0) {
                throw new VolumeException(VolumeException.Kind.UNAVAILABLE, "switch at " + socketPath
                        + " closed the connection during attach");
            }
            AttachDescriptor.Reply reply = AttachDescriptor.decodeReply(packet, r.length());
            if (reply.status() != AttachDescriptor.OK || r.descriptor() < 0) {
                if (r.descriptor() >= 0) {
                    LinuxIo.close(r.descriptor());
                }
                throw new VolumeException(VolumeException.Kind.UNAVAILABLE, "switch at " + socketPath
                        + " refused volume '" + volume + "': " + reply.message());
            }
            try {
                return new Attachment(fd, Channel.attach(r.descriptor()));
            } finally {
                LinuxIo.close(r.descriptor());
            }
        } catch (NativeIoException | ChannelException | IllegalArgumentException e) {
            closeQuietly(fd);
            throw new VolumeException(VolumeException.Kind.UNAVAILABLE, "attach to volume '" + volume
                    + "' at switch " + socketPath + ": " + e.getMessage(), e);
        } catch (VolumeException e) {
            closeQuietly(fd);
            throw e;
        }
    }

    int socket() {
        return socket;
    }

    Channel channel() {
        return channel;
    }

    /** @return the switch's id for this attachment (read once: safe after close) */
    long sessionId() {
        return sessionId;
    }

    /** Ends the attachment: the switch sees the socket close and frees its side. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        channel.close();
        closeQuietly(socket);
    }

    private static void closeQuietly(int fd) {
        try {
            LinuxIo.close(fd);
        } catch (NativeIoException ignored) {
            // Nothing more can be done about a descriptor that will not close.
        }
    }
}
