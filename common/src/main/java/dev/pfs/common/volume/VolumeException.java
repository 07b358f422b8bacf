package dev.pfs.common.volume;

import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** A failed {@link BlockVolume} request, with a kind that callers map to errno or wire status. */
public final class VolumeException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** The range is not within the volume. */
        OUT_OF_RANGE,
        /** An offset or length is not a multiple of the sector size. */
        MISALIGNED,
        /** The volume was closed. */
        CLOSED,
        /** The device failed. */
        IO,
        /** The backing store is full. */
        NO_SPACE,
        /** A newer writer was seen: this writer is fenced off. */
        STALE_EPOCH,
        /** The volume cannot be reached (a remote volume whose peers are gone). */
        UNAVAILABLE
    }

    private final Kind kind;

    public VolumeException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public VolumeException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** @return what went wrong */
    public Kind kind() {
        return kind;
    }

    /** @return a future already failed with a new exception of this kind */
    public static <T> CompletableFuture<T> failed(Kind kind, String message) {
        return CompletableFuture.failedFuture(new VolumeException(kind, message));
    }

    /**
     * Waits for a volume future and unwraps its failure, for synchronous callers.
     *
     * @throws VolumeException the failure of the request, or {@link Kind#IO} for anything else
     */
    public static <T> T await(CompletableFuture<T> future) throws VolumeException {
        try {
            return future.get();
        } catch (ExecutionException | CompletionException e) {
            throw unwrap(e.getCause());
        } catch (CancellationException e) {
            throw new VolumeException(Kind.IO, "request cancelled", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VolumeException(Kind.IO, "interrupted while waiting for the volume", e);
        }
    }

    /** @return {@code t} as a VolumeException, wrapping anything else as {@link Kind#IO} */
    public static VolumeException unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof VolumeException v) {
            return v;
        }
        return new VolumeException(Kind.IO, String.valueOf(t.getMessage()), t);
    }
}
