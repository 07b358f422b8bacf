package dev.pfs.pswitch.client;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.common.volume.VolumeRanges;
import dev.pfs.pswitch.ring.RequestDescriptor;
import dev.pfs.pswitch.ring.SwitchOp;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The {@link BlockVolume} a program (libpfs) uses through a PolarSwitch on its host: requests
 * go into shared-memory rings, payloads through the arena, and the switch routes them to the
 * volume's backend. A request longer than the channel's largest I/O is split.
 *
 * <p>Every request has a deadline ({@link Options#requestTimeout()}) after which it fails with
 * {@link VolumeException.Kind#UNAVAILABLE}. The volume bumps a heartbeat the switch watches.
 * When the switch goes away (restarted, killed) it attaches again and resubmits what was in
 * flight; a write resubmitted may so reach the volume twice, which positional writes allow.
 * Completions run on the volume's poller thread: callbacks must not block on another request
 * of this volume.
 *
 * <p>A program that links the backend itself (the in-process mode) opens it with
 * {@link dev.pfs.pswitch.backend.Backends#open(String)} instead and uses it directly.
 */
public final class SwitchVolume implements BlockVolume {
    /**
     * How a switch volume waits.
     *
     * @param requestTimeout    a request fails after this long without an answer (the
     *                          switch's restart included)
     * @param heartbeatInterval how often the heartbeat is bumped; well under the switch's
     *                          heartbeat timeout
     */
    public record Options(Duration requestTimeout, Duration heartbeatInterval) {
        /** 30 s per request, a heartbeat every 100 ms. */
        public static final Options DEFAULT = new Options(Duration.ofSeconds(30), Duration.ofMillis(100));

        /** @throws IllegalArgumentException for a non-positive duration */
        public Options {
            if (requestTimeout.isNegative() || requestTimeout.isZero()
                    || heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
                throw new IllegalArgumentException("request timeout " + requestTimeout + " and heartbeat interval "
                        + heartbeatInterval + " must be positive");
            }
        }
    }

    private final String description;
    private final SwitchConnection connection;
    private volatile boolean closed;

    private SwitchVolume(String description, SwitchConnection connection) {
        this.description = description;
        this.connection = connection;
    }

    /**
     * Attaches to {@code volume} at the switch listening on {@code socket}.
     *
     * @throws VolumeException UNAVAILABLE when no switch answers or it refuses, saying why
     */
    public static SwitchVolume connect(Path socket, String volume, Options options) throws VolumeException {
        return new SwitchVolume("volume " + volume + " via switch " + socket,
                new SwitchConnection(socket.toString(), volume, options));
    }

    /** Attaches with {@link Options#DEFAULT}. */
    public static SwitchVolume connect(Path socket, String volume) throws VolumeException {
        return connect(socket, volume, Options.DEFAULT);
    }

    /** @return how often this volume attached again after its switch went away */
    public long reattachCount() {
        return connection.reattachCount();
    }

    /** @return the switch's id for the current attachment */
    public long sessionId() {
        return connection.sessionId();
    }

    @Override
    public long size() {
        try {
            return connection.volumeSize();
        } catch (VolumeException e) {
            return 0;
        }
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        int length = dst.remaining();
        VolumeException bad = check(offset, length);
        if (bad != null) {
            return CompletableFuture.failedFuture(bad);
        }
        List<CompletableFuture<Long>> parts = new ArrayList<>();
        int max = connection.layout().maxIoLength();
        for (int done = 0; done < length; done += max) {
            int n = Math.min(max, length - done);
            parts.add(connection.submit(SwitchOp.READ, offset + done, n, NO_EPOCH, 0, null,
                    dst.slice(dst.position() + done, n)));
        }
        return all(parts).thenRun(() -> dst.position(dst.position() + length));
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, long epoch, boolean fua) {
        int length = src.remaining();
        VolumeException bad = check(offset, length);
        if (bad != null) {
            return CompletableFuture.failedFuture(bad);
        }
        List<CompletableFuture<Long>> parts = new ArrayList<>();
        int max = connection.layout().maxIoLength();
        int flags = fua ? RequestDescriptor.FLAG_FUA : 0;
        for (int done = 0; done < length; done += max) {
            int n = Math.min(max, length - done);
            parts.add(connection.submit(SwitchOp.WRITE, offset + done, n, epoch, flags,
                    src.slice(src.position() + done, n), null));
        }
        return all(parts).thenRun(() -> src.position(src.position() + length));
    }

    /** Writes and waits on the calling thread, which takes its own completion from the ring. */
    @Override
    public void writeAndWait(long offset, ByteBuffer src, long epoch, boolean fua) throws VolumeException {
        connection.await(write(offset, src, epoch, fua));
    }

    @Override
    public CompletableFuture<Void> flush() {
        if (closed) {
            return closedFuture();
        }
        return connection.submit(SwitchOp.FLUSH, 0, 0, NO_EPOCH, 0, null, null).thenApply(v -> null);
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        VolumeException bad = check(offset, length);
        return bad != null ? CompletableFuture.failedFuture(bad)
                : connection.submit(SwitchOp.DISCARD, offset, length, NO_EPOCH, 0, null, null).thenApply(v -> null);
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, long epoch) {
        VolumeException bad = check(offset, length);
        return bad != null ? CompletableFuture.failedFuture(bad)
                : connection.submit(SwitchOp.WRITE_ZEROES, offset, length, epoch, 0, null, null).thenApply(v -> null);
    }

    @Override
    public CompletableFuture<Void> resize(long newSize) {
        if (closed) {
            return closedFuture();
        }
        if (newSize <= 0 || newSize % SECTOR_SIZE != 0) {
            return VolumeException.failed(VolumeException.Kind.MISALIGNED, description + ": new size " + newSize
                    + " must be a positive multiple of " + SECTOR_SIZE);
        }
        return connection.submit(SwitchOp.RESIZE, newSize, 0, NO_EPOCH, 0, null, null).thenApply(v -> null);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            connection.close();
        }
    }

    private VolumeException check(long offset, long length) {
        if (closed) {
            return new VolumeException(VolumeException.Kind.CLOSED, description + " is closed");
        }
        VolumeException bad = VolumeRanges.check(offset, length, size());
        return bad == null ? null : new VolumeException(bad.kind(), description + ": " + bad.getMessage());
    }

    private CompletableFuture<Void> closedFuture() {
        return VolumeException.failed(VolumeException.Kind.CLOSED, description + " is closed");
    }

    private static CompletableFuture<Void> all(List<CompletableFuture<Long>> parts) {
        if (parts.size() == 1) {
            return parts.get(0).thenApply(v -> null);
        }
        return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0]));
    }

    @Override
    public String toString() {
        return description;
    }
}
