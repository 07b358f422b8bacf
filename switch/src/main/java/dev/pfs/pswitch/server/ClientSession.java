package dev.pfs.pswitch.server;

import dev.pfs.nativeio.LinuxIo;
import dev.pfs.nativeio.NativeIoException;
import dev.pfs.nativeio.UnixSocket;
import dev.pfs.pswitch.ring.Channel;
import dev.pfs.pswitch.ring.ResponseDescriptor;
import dev.pfs.pswitch.ring.ResponseFlyweight;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attached client: its channel, its socket, what it has in flight, and whether it is dead.
 * The agent thread owns the heartbeat tracking and the decision to free; completions arrive
 * on backend threads and write straight into the response ring (it takes many producers), or
 * into an overflow queue the agent drains when the client is slow to read.
 *
 * <p>A session dies when its socket ends (the client exited or was killed), when it breaks the
 * protocol, or when its heartbeat goes stale. A dead session takes no more requests; its
 * in-flight requests finish at the backend (their buffers are in its arena) and their
 * completions are dropped; then its channel is unmapped and its socket closed.
 */
final class ClientSession {
    private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);

    /** A completion that did not fit in the response ring. */
    private record Completion(long requestId, int status, long value) {
    }

    private final long id;
    private final VolumeExport export;
    private final UnixSocket.PeerCredentials peer;
    private final Channel channel;
    private final int socket;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicReference<String> death = new AtomicReference<>();
    private final Queue<Completion> overflow = new ConcurrentLinkedQueue<>();
    private final SwitchCounters counters;
    private volatile boolean monitorDone;
    private long seenHeartbeat = Long.MIN_VALUE;
    private long heartbeatChangedNanos;
    private long publishedSize;

    ClientSession(long id, VolumeExport export, UnixSocket.PeerCredentials peer, Channel channel, int socket,
                  SwitchCounters counters) {
        this.id = id;
        this.export = export;
        this.peer = peer;
        this.channel = channel;
        this.socket = socket;
        this.counters = counters;
        this.publishedSize = channel.volumeSize();
    }

    VolumeExport export() {
        return export;
    }

    Channel channel() {
        return channel;
    }

    /** @return how many of its requests the backend is working on */
    int inFlight() {
        return inFlight.get();
    }

    /** Counts a request handed to the backend. */
    void started() {
        inFlight.incrementAndGet();
    }

    /** @return why it died, or null while it lives */
    String death() {
        return death.get();
    }

    boolean isDead() {
        return death.get() != null;
    }

    /**
     * Ends the session for {@code reason} (the first reason given wins) and shuts its socket
     * down, so that the client sees it end and the monitor thread returns.
     */
    void kill(String reason) {
        if (death.compareAndSet(null, reason)) {
            LOG.warn("{}: disconnecting: {}", this, reason);
            try {
                UnixSocket.shutdown(socket);
            } catch (NativeIoException e) {
                LOG.debug("session {}: shutdown of its socket: {}", id, e.getMessage());
            }
        }
    }

    /** Marks the session dead because its socket ended; the monitor thread calls this. */
    void socketEnded(String reason) {
        if (death.compareAndSet(null, reason)) {
            LOG.info("{}: {}", this, reason);
        }
        monitorDone = true;
    }

    /**
     * Delivers the completion of one of its requests, from whichever thread finished it, and
     * counts the request finished. Dropped when the session is dead.
     */
    void complete(long requestId, int status, long value) {
        try {
            if (!isDead() && (!overflow.isEmpty() || !write(requestId, status, value))) {
                overflow.add(new Completion(requestId, status, value));
            }
        } catch (RuntimeException e) {
            kill("response ring is corrupt: " + e);
        } finally {
            counters.completed();
            inFlight.decrementAndGet();
        }
    }

    /** @return whether completions wait for room in the response ring */
    boolean hasOverflow() {
        return !overflow.isEmpty();
    }

    /** Moves overflowed completions into the response ring while there is room. @return how many */
    int drainOverflow() {
        int n = 0;
        try {
            for (Completion c; (c = overflow.peek()) != null && write(c.requestId, c.status, c.value); n++) {
                overflow.poll();
            }
        } catch (RuntimeException e) {
            kill("response ring is corrupt: " + e);
        }
        return n;
    }

    private boolean write(long requestId, int status, long value) {
        RingBuffer ring = channel.responses();
        int index = ring.tryClaim(ResponseDescriptor.MSG_TYPE_ID, ResponseDescriptor.LENGTH);
        if (index <= 0) {
            return false;
        }
        new ResponseFlyweight().wrap(ring.buffer(), index).requestId(requestId).value(value).status(status);
        ring.commit(index);
        return true;
    }

    /**
     * @return whether the client's heartbeat has not moved for {@code timeoutNanos}; the first
     *         call starts the clock
     */
    boolean heartbeatStale(long nowNanos, long timeoutNanos) {
        long beat = channel.clientHeartbeat();
        if (beat != seenHeartbeat) {
            seenHeartbeat = beat;
            heartbeatChangedNanos = nowNanos;
            return false;
        }
        return nowNanos - heartbeatChangedNanos > timeoutNanos;
    }

    /** Publishes the volume's size to the client when it changed. */
    void publishSize(long size) {
        if (size != publishedSize) {
            publishedSize = size;
            channel.volumeSize(size);
        }
    }

    /** @return whether it is dead, nothing is in flight and its monitor returned: it can be freed */
    boolean freeable() {
        return isDead() && inFlight.get() == 0 && monitorDone;
    }

    /** Unmaps its channel and closes its socket. Only once {@link #freeable()}. */
    void free() {
        channel.close();
        try {
            LinuxIo.close(socket);
        } catch (NativeIoException e) {
            LOG.debug("session {}: close of its socket: {}", id, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "session " + id + " (volume " + export.name() + ", pid " + peer.pid() + " uid " + peer.uid() + ")";
    }
}
