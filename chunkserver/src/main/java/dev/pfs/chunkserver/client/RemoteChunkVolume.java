package dev.pfs.chunkserver.client;

import dev.pfs.chunkserver.protocol.ChunkFrameDescriptor;
import dev.pfs.chunkserver.protocol.ChunkStatus;
import dev.pfs.chunkserver.protocol.ChunkException;
import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.common.volume.VolumeRanges;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A {@link BlockVolume} over one (unreplicated) chunkserver: volume byte {@code x} lives in
 * chunk {@code firstChunkId + x / chunkSize} at offset {@code x % chunkSize}. Requests that
 * span chunks, or exceed the 1 MB frame payload, are split and sent in parallel. Every write
 * carries the writer's epoch (the one given per call, else the volume's), so a deposed writer
 * is refused with {@link VolumeException.Kind#STALE_EPOCH}. Every write is durable when it
 * completes (the chunkserver logs it before acknowledging).
 */
public final class RemoteChunkVolume implements BlockVolume {
    private final ChunkClient client;
    private final long chunkSize;
    private final long firstChunkId;
    /**
     * The newest epoch this volume's writer used: calls that carry no epoch of their own
     * (discard, resize's creates, writes with NO_EPOCH) go with it, or the server would refuse
     * them once the writer's epoch was seen.
     */
    private volatile long epoch;
    private volatile int chunkCount;
    private volatile boolean closed;

    private RemoteChunkVolume(ChunkClient client, long chunkSize, int chunkCount, long firstChunkId, long epoch) {
        this.client = client;
        this.chunkSize = chunkSize;
        this.chunkCount = chunkCount;
        this.firstChunkId = firstChunkId;
        this.epoch = epoch;
    }

    /**
     * Opens a volume of {@code chunkCount} chunks, creating those that do not exist yet.
     *
     * @param epoch the writer epoch sent with writes that do not name one
     */
    public static RemoteChunkVolume open(ChunkClient client, long chunkSize, int chunkCount, long firstChunkId,
                                         long epoch) throws VolumeException {
        RemoteChunkVolume v = new RemoteChunkVolume(client, chunkSize, chunkCount, firstChunkId, epoch);
        VolumeException.await(v.createChunks(0, chunkCount));
        return v;
    }

    private CompletableFuture<Void> createChunks(int from, int to) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = from; i < to; i++) {
            all.add(client.create(firstChunkId + i, epoch, chunkSize).exceptionallyCompose(t -> {
                ChunkException e = unwrap(t);
                return e != null && e.status() == ChunkStatus.EXISTS
                        ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(map(t));
            }));
        }
        return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]));
    }

    /**
     * Fences this volume on its chunkserver at {@code newEpoch}: from then on a writer with an
     * older epoch is refused on every chunk of it. The chunks' ids must share one volume id
     * ({@link dev.pfs.chunkserver.protocol.ChunkId}).
     */
    public CompletableFuture<Void> fence(long newEpoch) {
        return mapped(client.fence(firstChunkId, writerEpoch(newEpoch)));
    }

    @Override
    public long size() {
        return chunkSize * chunkCount;
    }

    private interface Piece {
        CompletableFuture<Void> run(long chunkId, long chunkOffset, int from, long length);
    }

    private CompletableFuture<Void> split(long offset, long length, boolean payload, Piece piece) {
        if (closed) {
            return VolumeException.failed(VolumeException.Kind.CLOSED, "volume on " + client.server() + " is closed");
        }
        VolumeException bad = VolumeRanges.check(offset, length, size());
        if (bad != null) {
            return CompletableFuture.failedFuture(bad);
        }
        List<CompletableFuture<Void>> parts = new ArrayList<>();
        for (long done = 0; done < length; ) {
            long pos = offset + done;
            long inChunk = chunkSize - pos % chunkSize;
            // Reads and writes travel in frames of at most 1 MB; zeroing sends no payload.
            long most = payload ? ChunkFrameDescriptor.MAX_PAYLOAD : chunkSize;
            long step = Math.min(Math.min(length - done, inChunk), most);
            parts.add(piece.run(firstChunkId + pos / chunkSize, pos % chunkSize, (int) Math.min(done, Integer.MAX_VALUE), step));
            done += step;
        }
        return mapped(CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])));
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        int base = dst.position();
        int length = dst.remaining();
        return split(offset, length, true, (chunk, at, from, len) ->
                client.read(chunk, at, dst.duplicate().limit(base + from + (int) len).position(base + from)))
                .thenRun(() -> dst.position(base + length));
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, long writeEpoch, boolean fua) {
        int base = src.position();
        int length = src.remaining();
        long e = writerEpoch(writeEpoch);
        return split(offset, length, true, (chunk, at, from, len) ->
                client.write(chunk, e, at, src.duplicate().limit(base + from + (int) len).position(base + from), fua))
                .thenRun(() -> src.position(base + length));
    }

    /** @return the epoch to send for a call with {@code given}, remembering a newer one */
    private synchronized long writerEpoch(long given) {
        if (given > epoch) {
            epoch = given;
        }
        return given == NO_EPOCH ? epoch : given;
    }

    @Override
    public CompletableFuture<Void> flush() {
        if (closed) {
            return VolumeException.failed(VolumeException.Kind.CLOSED, "volume closed");
        }
        return mapped(client.flush());
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return split(offset, length, false, (chunk, at, from, len) -> client.discard(chunk, epoch, at, len));
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, long writeEpoch) {
        long e = writerEpoch(writeEpoch);
        return split(offset, length, false, (chunk, at, from, len) -> client.writeZeroes(chunk, e, at, len));
    }

    @Override
    public synchronized CompletableFuture<Void> resize(long newSize) {
        if (newSize <= 0 || newSize % chunkSize != 0) {
            return VolumeException.failed(VolumeException.Kind.MISALIGNED, "new size " + newSize
                    + " must be a positive multiple of the chunk size " + chunkSize);
        }
        int newCount = (int) (newSize / chunkSize);
        if (newCount < chunkCount) {
            return VolumeException.failed(VolumeException.Kind.OUT_OF_RANGE, "a remote chunk volume only grows");
        }
        return mapped(createChunks(chunkCount, newCount)).thenRun(() -> chunkCount = newCount);
    }

    @Override
    public void close() {
        closed = true;
    }

    /** @return {@code f}, failing with a {@link VolumeException} instead of the client's error */
    private static CompletableFuture<Void> mapped(CompletableFuture<Void> f) {
        return f.handle((v, t) -> {
            if (t != null) {
                throw new CompletionException(map(t));
            }
            return null;
        });
    }

    private static ChunkException unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof ChunkException e ? e : null;
    }

    private static VolumeException map(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof VolumeException v) {
            return v;
        }
        ChunkException e = unwrap(t);
        if (e == null) {
            return new VolumeException(VolumeException.Kind.IO, String.valueOf(t), t);
        }
        VolumeException.Kind kind = switch (e.status()) {
            case STALE_EPOCH -> VolumeException.Kind.STALE_EPOCH;
            case NO_SPACE -> VolumeException.Kind.NO_SPACE;
            case OUT_OF_RANGE -> VolumeException.Kind.OUT_OF_RANGE;
            case MISALIGNED -> VolumeException.Kind.MISALIGNED;
            case CLOSED, TIMED_OUT -> VolumeException.Kind.UNAVAILABLE;
            default -> VolumeException.Kind.IO;
        };
        return new VolumeException(kind, e.getMessage(), e);
    }

    @Override
    public String toString() {
        return "RemoteChunkVolume[" + client.server() + ", chunks " + firstChunkId + ".." + (firstChunkId + chunkCount - 1)
                + " of " + chunkSize + " bytes]";
    }
}
