package dev.pfs.chunkserver.protocol;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Test helper: the status a chunk request ended with. */
public final class Statuses {
    private Statuses() {
    }

    /** @return OK, or the status of the {@link ChunkException} it failed with; fails if no answer in 10 s */
    public static ChunkStatus of(CompletableFuture<?> f) throws Exception {
        try {
            f.get(10, TimeUnit.SECONDS);
            return ChunkStatus.OK;
        } catch (ExecutionException e) {
            return ((ChunkException) e.getCause()).status();
        } catch (TimeoutException e) {
            throw new AssertionError("no answer within 10 s", e);
        }
    }
}
