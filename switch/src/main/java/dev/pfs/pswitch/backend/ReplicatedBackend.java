package dev.pfs.pswitch.backend;

import dev.pfs.chunkserver.client.Placement;
import dev.pfs.chunkserver.client.ReplicatedVolume;
import dev.pfs.common.volume.BlockVolume;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code replicated:PLACEMENT_FILE}: a replicated volume, every chunk a ParallelRaft group on
 * the chunkservers its placement file (written by {@code pfs volume create}) names. The switch
 * routes through {@link ReplicatedVolume}: chunk to replica set to cached leader, NOT_LEADER
 * followed, retries with backoff within the request deadline.
 */
final class ReplicatedBackend implements BackendFactory {
    @Override
    public String scheme() {
        return "replicated";
    }

    @Override
    public String syntax() {
        return "replicated:PLACEMENT_FILE";
    }

    @Override
    public BlockVolume open(String target) throws IOException {
        if (target.isEmpty()) {
            throw new IllegalArgumentException("replicated: needs a placement file (" + syntax() + ")");
        }
        return ReplicatedVolume.open(Placement.read(Path.of(target)));
    }
}
