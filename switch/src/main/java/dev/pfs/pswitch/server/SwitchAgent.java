package dev.pfs.pswitch.server;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.pswitch.ring.RequestFlyweight;
import dev.pfs.pswitch.ring.SwitchOp;
import dev.pfs.pswitch.ring.SwitchStatus;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The switch's polling loop: takes newly attached sessions, reads each live session's request
 * ring (up to what it may have in flight), validates every record ({@link RequestValidator}),
 * and hands good requests to the session's backend with a buffer over the arena itself, no
 * copy. It watches heartbeats and frees dead sessions once their requests are done. It never
 * blocks; the {@link org.agrona.concurrent.AgentRunner}'s idle strategy parks it when idle.
 */
final class SwitchAgent implements Agent {
    private static final Logger LOG = LoggerFactory.getLogger(SwitchAgent.class);

    /** How long {@link #onClose()} waits for the backend to finish what sessions had in flight. */
    static final long CLOSE_GRACE_NANOS = 5_000_000_000L;
    /** How often the gauges (sessions, ring depth, in flight) are sampled. */
    private static final long SAMPLE_INTERVAL_NANOS = 100_000_000L;

    private final Queue<ClientSession> added = new ConcurrentLinkedQueue<>();
    private final List<ClientSession> sessions = new ArrayList<>();
    private final NanoClock clock;
    private final long heartbeatTimeoutNanos;
    private final SwitchCounters counters;
    private final RequestFlyweight request = new RequestFlyweight();
    private final MessageHandler handler = this::onRequest;
    private ClientSession polled;
    private long seenCompletions;
    private long nextSampleNanos;
    private volatile int publishedSessions;
    private volatile long publishedRingBytes;
    private volatile long publishedInFlight;
    private final DoorbellIdleStrategy idle = new DoorbellIdleStrategy(this);

    SwitchAgent(NanoClock clock, long heartbeatTimeoutNanos, SwitchCounters counters) {
        this.clock = clock;
        this.heartbeatTimeoutNanos = heartbeatTimeoutNanos;
        this.counters = counters;
    }

    /** Hands a newly attached session to the agent (any thread). */
    void add(ClientSession session) {
        added.add(session);
        idle.wake();
    }

    /** @return the idle strategy to run this agent with */
    DoorbellIdleStrategy idleStrategy() {
        return idle;
    }

    /** A request completed (backend thread): shorten the agent's park. */
    void completed() {
        idle.nudge();
    }

    /** A client rang the doorbell: it posted while the agent slept. Any thread. */
    void wake() {
        idle.wake();
    }

    /**
     * Raises every live client's asleep flag, then checks once more that nothing waits.
     *
     * @return whether the agent may sleep; if not, the flags are lowered again
     */
    boolean prepareSleep() {
        if (!added.isEmpty()) {
            return false;
        }
        for (ClientSession s : sessions) {
            if (s.inFlight() > 0 || s.hasOverflow() || (s.isDead() && s.freeable())) {
                return false;
            }
        }
        for (ClientSession s : sessions) {
            if (!s.isDead()) {
                s.channel().switchAsleep(true);
            }
        }
        for (ClientSession s : sessions) {
            if (!s.isDead() && s.channel().hasCommittedRequest()) {
                awake();
                return false;
            }
        }
        return true;
    }

    /** Lowers every live client's asleep flag. */
    void awake() {
        for (ClientSession s : sessions) {
            if (!s.isDead()) {
                s.channel().switchAsleep(false);
            }
        }
    }

    @Override
    public int doWork() {
        int work = 0;
        for (ClientSession s; (s = added.poll()) != null; work++) {
            sessions.add(s);
        }
        long now = clock.nanoTime();
        for (int i = sessions.size() - 1; i >= 0; i--) {
            ClientSession s = sessions.get(i);
            if (s.isDead()) {
                if (s.freeable()) {
                    s.free();
                    sessions.remove(i);
                    counters.freed();
                    LOG.info("{}: rings and arena freed ({})", s, s.death());
                    work++;
                }
                continue;
            }
            if (s.heartbeatStale(now, heartbeatTimeoutNanos)) {
                counters.staleHeartbeat();
                s.kill("no heartbeat for " + heartbeatTimeoutNanos / 1_000_000 + " ms");
                continue;
            }
            s.publishSize(s.export().volume().size());
            if (s.hasOverflow()) {
                work += s.drainOverflow();
                continue;
            }
            work += poll(s);
        }
        if (now - nextSampleNanos >= 0) {
            sample();
            nextSampleNanos = now + SAMPLE_INTERVAL_NANOS;
        }
        long completions = counters.completedCount();
        work += (int) (completions - seenCompletions);
        seenCompletions = completions;
        return work;
    }

    private void sample() {
        long ringBytes = 0;
        long inFlight = 0;
        for (ClientSession s : sessions) {
            if (!s.isDead()) {
                ringBytes += Math.max(0, s.channel().requests().size());
            }
            inFlight += s.inFlight();
        }
        publishedSessions = sessions.size();
        publishedRingBytes = ringBytes;
        publishedInFlight = inFlight;
    }

    /** @return sessions held at the last sample (any thread) */
    int publishedSessions() {
        return publishedSessions;
    }

    /** @return bytes waiting in the live sessions' request rings at the last sample (any thread) */
    long publishedRingBytes() {
        return publishedRingBytes;
    }

    /** @return requests at the backends at the last sample (any thread) */
    long publishedInFlight() {
        return publishedInFlight;
    }

    private int poll(ClientSession s) {
        int room = s.channel().layout().maxInFlight() - s.inFlight();
        if (room <= 0) {
            return 0;
        }
        polled = s;
        try {
            return s.channel().requests().read(handler, room);
        } catch (RuntimeException e) {
            counters.violation();
            s.kill("request ring is corrupt: " + e);
            return 1;
        } finally {
            polled = null;
        }
    }

    private void onRequest(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
        ClientSession s = polled;
        if (s.isDead()) {
            return;
        }
        request.wrap(buffer, index);
        String violation = RequestValidator.violation(msgTypeId, length, request, s.channel().layout());
        if (violation != null) {
            counters.violation();
            s.kill(violation);
            return;
        }
        counters.request();
        long id = request.requestId();
        BlockVolume volume = s.export().volume();
        int refused = RequestValidator.refusal(request, volume.size());
        s.started();
        if (refused != SwitchStatus.OK) {
            counters.refusal();
            s.complete(id, refused, 0);
            return;
        }
        CompletableFuture<?> done;
        try {
            done = submit(s, volume);
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        }
        boolean resize = request.op() == SwitchOp.RESIZE;
        done.whenComplete((ignored, failure) -> {
            if (failure == null) {
                long value = 0;
                if (resize) {
                    value = volume.size();
                    s.channel().volumeSize(value);
                }
                s.complete(id, SwitchStatus.OK, value);
                completed();
            } else {
                VolumeException e = VolumeException.unwrap(failure);
                LOG.debug("{}: request {} failed: {}", s, id, e.getMessage());
                s.complete(id, SwitchStatus.of(e.kind()), 0);
            }
        });
    }

    private CompletableFuture<Void> submit(ClientSession s, BlockVolume volume) {
        long offset = request.volumeOffset();
        long length = request.length();
        return switch (request.op()) {
            case SwitchOp.READ -> volume.read(offset, arena(s));
            case SwitchOp.WRITE -> volume.write(offset, arena(s), request.epoch(), request.fua());
            case SwitchOp.FLUSH -> volume.flush();
            case SwitchOp.DISCARD -> volume.discard(offset, length);
            case SwitchOp.WRITE_ZEROES -> volume.writeZeroes(offset, length, request.epoch());
            case SwitchOp.RESIZE -> volume.resize(offset);
            default -> throw new IllegalStateException("validated op " + request.op());
        };
    }

    private ByteBuffer arena(ClientSession s) {
        return s.channel().arenaSlice(request.arenaOffset(), request.length());
    }

    /**
     * Disconnects every session and frees each once its requests are done, waiting at most
     * {@link #CLOSE_GRACE_NANOS} for them (a process that exits frees the rest anyway).
     */
    @Override
    public void onClose() {
        for (ClientSession s; (s = added.poll()) != null; ) {
            sessions.add(s);
        }
        for (ClientSession s : sessions) {
            s.kill("the switch is stopping");
        }
        long deadline = clock.nanoTime() + CLOSE_GRACE_NANOS;
        while (!sessions.isEmpty() && clock.nanoTime() < deadline) {
            sessions.removeIf(s -> {
                if (s.freeable()) {
                    s.free();
                    counters.freed();
                    return true;
                }
                return false;
            });
            Thread.onSpinWait();
        }
    }

    @Override
    public String roleName() {
        return "pfs-switch";
    }
}
