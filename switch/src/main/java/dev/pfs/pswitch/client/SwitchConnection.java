package dev.pfs.pswitch.client;

import dev.pfs.common.volume.VolumeException;
import dev.pfs.nativeio.NativeIoException;
import dev.pfs.nativeio.UnixSocket;
import dev.pfs.pswitch.attach.AttachDescriptor;
import dev.pfs.pswitch.ring.ChannelLayout;
import dev.pfs.pswitch.ring.RequestDescriptor;
import dev.pfs.pswitch.ring.RequestFlyweight;
import dev.pfs.pswitch.ring.ResponseDescriptor;
import dev.pfs.pswitch.ring.ResponseFlyweight;
import dev.pfs.pswitch.ring.SwitchOp;
import dev.pfs.pswitch.ring.SwitchStatus;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's link to its switch: posts requests into the current attachment's request ring,
 * and runs two threads, a poller that takes completions from the response ring, bumps the
 * heartbeat and expires requests past their deadline, and a monitor that waits on the socket
 * and, when the switch goes away, attaches again and posts what was in flight anew.
 *
 * <p>A caller that waits synchronously ({@link #await}) takes completions from the ring itself
 * while it waits; the ring has one consumer at a time. The attachment is swapped under the
 * write lock; posting and polling hold the read lock
 * for the few memory operations they do on the current attachment, never across a wait.
 * Every request takes a permit (at most what one request ring holds) and its arena run,
 * both released when its answer arrives, so that everything pending fits a new switch's rings
 * and arena at the same offsets.
 */
final class SwitchConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SwitchConnection.class);
    private static final long MAX_POLL_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    private static final long MAX_REATTACH_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int RESPONSES_PER_POLL = 64;
    private static final byte[] DOORBELL = {1};

    private final String socketPath;
    private final String volume;
    private final SwitchVolume.Options options;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Held by whichever thread takes completions from the response ring. */
    private final ReentrantLock consumer = new ReentrantLock();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final ChannelLayout layout;
    private final ArenaAllocator arena;
    private final Semaphore permits;
    private final MessageHandler responseHandler = this::onResponse;
    private final ResponseFlyweight response = new ResponseFlyweight();
    private final Thread poller;
    private final Thread monitor;
    private volatile Attachment current;
    private volatile String closedReason;
    private final AtomicLong reattaches = new AtomicLong();

    SwitchConnection(String socketPath, String volume, SwitchVolume.Options options) throws VolumeException {
        this.socketPath = socketPath;
        this.volume = volume;
        this.options = options;
        this.current = Attachment.attach(socketPath, volume);
        this.layout = current.channel().layout();
        this.arena = new ArenaAllocator(layout.arenaLength());
        this.permits = new Semaphore(layout.requestRingCapacity() / RequestDescriptor.RECORD_LENGTH);
        this.poller = Thread.ofPlatform().daemon().name("pfs-switch-poller-" + volume).unstarted(this::pollLoop);
        this.monitor = Thread.ofPlatform().daemon().name("pfs-switch-monitor-" + volume).unstarted(this::monitorLoop);
        poller.start();
        monitor.start();
    }

    /** @return the sizes of this connection's channels */
    ChannelLayout layout() {
        return layout;
    }

    /** @return the volume's size as the switch last published it */
    long volumeSize() throws VolumeException {
        lock.readLock().lock();
        try {
            checkOpen();
            return current.channel().volumeSize();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** @return how often this connection attached again after its switch went away */
    long reattachCount() {
        return reattaches.get();
    }

    /** @return the session id of the current attachment */
    long sessionId() {
        return current.sessionId();
    }

    /**
     * Posts one request. A WRITE's payload is copied from {@code source} into the arena; a READ's
     * answer is copied into {@code destination} (from its position, which is not moved).
     *
     * @return completes with the response's value (RESIZE: the new size), or fails with a
     *         {@link VolumeException}
     */
    CompletableFuture<Long> submit(int op, long volumeOffset, long length, long epoch, int flags, ByteBuffer source,
                                   ByteBuffer destination) {
        long deadline = System.nanoTime() + options.requestTimeout().toNanos();
        boolean usesArena = SwitchOp.usesArena(op);
        long arenaOffset = -1;
        boolean permitted = false;
        try {
            checkOpen();
            if (!permits.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw timeout("no room in the request ring", op, volumeOffset);
            }
            permitted = true;
            if (usesArena) {
                arenaOffset = arena.allocate(length, deadline);
            }
            Pending p = new Pending(nextId.getAndIncrement(), op, volumeOffset, length, arenaOffset, epoch, flags,
                    deadline, destination);
            post(p, source);
            return p.future;
        } catch (VolumeException e) {
            if (arenaOffset >= 0) {
                arena.free(arenaOffset, length);
            }
            if (permitted) {
                permits.release();
            }
            return CompletableFuture.failedFuture(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (permitted) {
                permits.release();
            }
            return CompletableFuture.failedFuture(new VolumeException(VolumeException.Kind.IO, "interrupted", e));
        }
    }

    private void post(Pending p, ByteBuffer source) throws VolumeException {
        IdleStrategy idle = new BackoffIdleStrategy(10, 10, 1_000, MAX_POLL_PARK_NANOS);
        while (true) {
            lock.readLock().lock();
            try {
                checkOpen();
                Attachment a = current;
                if (source != null) {
                    MemorySegment.copy(MemorySegment.ofBuffer(source), 0, a.channel().arena(), p.arenaOffset, p.length);
                }
                pending.put(p.id, p);
                if (write(a.channel().requests(), p)) {
                    ringDoorbell(a);
                    LockSupport.unpark(poller);
                    return;
                }
                pending.remove(p.id);
            } finally {
                lock.readLock().unlock();
            }
            if (System.nanoTime() - p.deadlineNanos > 0) {
                throw timeout("the request ring stayed full", p.op, p.volumeOffset);
            }
            idle.idle();
        }
    }

    /**
     * Wakes a sleeping switch: the commit is fenced before the flag is read, the switch raises
     * the flag before it looks at the ring once more, so one of the two sees the other.
     */
    private static void ringDoorbell(Attachment a) {
        VarHandle.fullFence();
        if (a.channel().takeDoorbell()) {
            try {
                UnixSocket.send(a.socket(), DOORBELL, 1, -1);
            } catch (NativeIoException e) {
                LOG.debug("doorbell: {}", e.getMessage());
            }
        }
    }

    private static boolean write(RingBuffer ring, Pending p) {
        int index = ring.tryClaim(RequestDescriptor.MSG_TYPE_ID, RequestDescriptor.LENGTH);
        if (index <= 0) {
            return false;
        }
        new RequestFlyweight().wrap(ring.buffer(), index).requestId(p.id).volumeOffset(p.volumeOffset)
                .length(p.length).arenaOffset(Math.max(0, p.arenaOffset)).epoch(p.epoch).op(p.op).flags(p.flags);
        ring.commit(index);
        return true;
    }

    private void pollLoop() {
        IdleStrategy idle = new BackoffIdleStrategy(100, 100, 1_000, MAX_POLL_PARK_NANOS);
        long interval = options.heartbeatInterval().toNanos();
        long nextBeat = System.nanoTime();
        while (closedReason == null) {
            int work = pollResponses();
            long now = System.nanoTime();
            if (now - nextBeat >= 0) {
                beat();
                expire(now);
                nextBeat = now + interval;
            }
            if (work > 0) {
                idle.reset();
            } else if (pending.isEmpty()) {
                LockSupport.parkNanos(Math.max(1, nextBeat - now));
                idle.reset();
            } else {
                idle.idle();
            }
        }
    }

    /**
     * Takes what completions wait in the response ring, if no other thread is taking them (the
     * ring has one consumer at a time: the poller, or a caller waiting in {@link #await}).
     *
     * @return how many were taken
     */
    private int pollResponses() {
        if (!consumer.tryLock()) {
            return 0;
        }
        lock.readLock().lock();
        try {
            return closedReason == null ? current.channel().responses().read(responseHandler, RESPONSES_PER_POLL) : 0;
        } catch (RuntimeException e) {
            LOG.error("volume {}: the switch's response ring is corrupt; attaching again: {}", volume, e.toString());
            shutdownQuietly(current.socket());
            return 0;
        } finally {
            lock.readLock().unlock();
            consumer.unlock();
        }
    }

    /**
     * Waits for {@code f} on the calling thread, taking completions from the ring itself while it
     * waits, which saves the hand-off from the poller thread on a latency-critical path.
     */
    <T> T await(CompletableFuture<T> f) throws VolumeException {
        IdleStrategy idle = new BackoffIdleStrategy(100, 100, 1_000, MAX_POLL_PARK_NANOS);
        while (!f.isDone()) {
            if (pollResponses() > 0) {
                idle.reset();
            } else {
                idle.idle();
            }
        }
        return VolumeException.await(f);
    }

    private void beat() {
        lock.readLock().lock();
        try {
            if (closedReason == null) {
                current.channel().beat();
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Runs on the poller with the read lock held. */
    private void onResponse(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
        if (msgTypeId != ResponseDescriptor.MSG_TYPE_ID || length != ResponseDescriptor.LENGTH) {
            LOG.warn("volume {}: ignoring a response record of type {} and length {}", volume, msgTypeId, length);
            return;
        }
        response.wrap(buffer, index);
        Pending p = pending.remove(response.requestId());
        if (p == null) {
            return;
        }
        int status = response.status();
        long value = response.value();
        if (status == SwitchStatus.OK && p.op == SwitchOp.READ && !p.abandoned) {
            MemorySegment.copy(current.channel().arena(), p.arenaOffset, MemorySegment.ofBuffer(p.destination), 0,
                    p.length);
        }
        release(p);
        if (status == SwitchStatus.OK) {
            p.future.complete(value);
        } else {
            p.future.completeExceptionally(new VolumeException(SwitchStatus.kind(status), "volume " + volume
                    + " via switch " + socketPath + ": " + SwitchOp.name(p.op) + " at " + p.volumeOffset + " (+"
                    + p.length + "): " + SwitchStatus.kind(status)));
        }
    }

    private void release(Pending p) {
        if (p.arenaOffset >= 0) {
            arena.free(p.arenaOffset, p.length);
        }
        permits.release();
    }

    private void expire(long now) {
        for (Pending p : pending.values()) {
            if (!p.abandoned && now - p.deadlineNanos > 0) {
                p.abandoned = true;
                p.future.completeExceptionally(timeout("no answer", p.op, p.volumeOffset));
            }
        }
    }

    private VolumeException timeout(String what, int op, long offset) {
        return new VolumeException(VolumeException.Kind.UNAVAILABLE, "volume " + volume + " via switch " + socketPath
                + ": " + what + " for " + SwitchOp.name(op) + " at " + offset + " within "
                + options.requestTimeout().toMillis() + " ms");
    }

    private void monitorLoop() {
        byte[] packet = new byte[AttachDescriptor.MAX_PACKET];
        while (closedReason == null) {
            Attachment a = current;
            try {
                while (UnixSocket.receive(a.socket(), packet).length() > 0) {
                    LOG.debug("volume {}: ignoring a packet from the switch", volume);
                }
            } catch (NativeIoException e) {
                LOG.debug("volume {}: switch socket: {}", volume, e.getMessage());
            }
            if (closedReason != null) {
                return;
            }
            LOG.warn("volume {}: switch at {} went away; attaching again", volume, socketPath);
            reattach(a);
        }
    }

    /** Attaches again with backoff until it works or the connection is closed, then posts all pending anew. */
    private void reattach(Attachment old) {
        long backoff = TimeUnit.MILLISECONDS.toNanos(10);
        while (closedReason == null) {
            Attachment next;
            try {
                next = Attachment.attach(socketPath, volume);
            } catch (VolumeException e) {
                LOG.debug("volume {}: attach again: {}", volume, e.getMessage());
                LockSupport.parkNanos(backoff);
                backoff = Math.min(MAX_REATTACH_BACKOFF_NANOS, backoff * 2);
                continue;
            }
            if (!next.channel().layout().equals(layout)) {
                next.close();
                fail("switch at " + socketPath + " came back with channel layout " + next.channel().layout()
                        + ", this client was made for " + layout);
                return;
            }
            int resubmitted = swap(old, next);
            reattaches.incrementAndGet();
            LOG.info("volume {}: attached again as session {}, {} requests resubmitted", volume,
                    next.sessionId(), resubmitted);
            return;
        }
    }

    private int swap(Attachment old, Attachment next) {
        int n = 0;
        lock.writeLock().lock();
        try {
            if (closedReason != null) {
                next.close();
                return 0;
            }
            current = next;
            for (Pending p : pending.values()) {
                if (p.abandoned) {
                    pending.remove(p.id);
                    release(p);
                    continue;
                }
                if (p.op == SwitchOp.WRITE) {
                    MemorySegment.copy(old.channel().arena(), p.arenaOffset, next.channel().arena(), p.arenaOffset,
                            p.length);
                }
                if (!write(next.channel().requests(), p)) {
                    throw new IllegalStateException("a fresh request ring took fewer requests than hold permits");
                }
                n++;
            }
        } finally {
            lock.writeLock().unlock();
        }
        old.close();
        ringDoorbell(next);
        LockSupport.unpark(poller);
        return n;
    }

    private void fail(String reason) {
        LOG.error("volume {}: {}", volume, reason);
        closedReason = reason;
        for (Pending p : pending.values()) {
            p.future.completeExceptionally(new VolumeException(VolumeException.Kind.UNAVAILABLE, reason));
        }
        pending.clear();
    }

    private void checkOpen() throws VolumeException {
        String reason = closedReason;
        if (reason != null) {
            throw new VolumeException(VolumeException.Kind.CLOSED, "volume " + volume + " via switch " + socketPath
                    + ": " + reason);
        }
    }

    private static void shutdownQuietly(int socket) {
        try {
            UnixSocket.shutdown(socket);
        } catch (NativeIoException e) {
            LOG.debug("shutdown: {}", e.getMessage());
        }
    }

    /** Detaches: fails what is pending with CLOSED and frees this side's channel. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closedReason == null) {
                closedReason = "closed";
            }
        } finally {
            lock.writeLock().unlock();
        }
        shutdownQuietly(current.socket());
        LockSupport.unpark(poller);
        join(poller);
        join(monitor);
        for (Pending p : pending.values()) {
            p.future.completeExceptionally(new VolumeException(VolumeException.Kind.CLOSED, "volume " + volume
                    + " was closed with this request pending"));
        }
        pending.clear();
        current.close();
    }

    private static void join(Thread t) {
        try {
            t.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
