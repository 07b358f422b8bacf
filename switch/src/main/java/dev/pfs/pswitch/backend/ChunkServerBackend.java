package dev.pfs.pswitch.backend;

import dev.pfs.chunkserver.client.ChunkClient;
import dev.pfs.chunkserver.client.RemoteChunkVolume;
import dev.pfs.common.config.ByteSize;
import dev.pfs.common.volume.BlockVolume;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * {@code chunkserver:HOST:PORT,CHUNK_SIZE,CHUNKS[,FIRST_CHUNK_ID]}: a volume of {@code CHUNKS}
 * chunks on one (unreplicated) chunkserver, created there when missing.
 */
final class ChunkServerBackend implements BackendFactory {
    @Override
    public String scheme() {
        return "chunkserver";
    }

    @Override
    public String syntax() {
        return "chunkserver:HOST:PORT,CHUNK_SIZE,CHUNKS[,FIRST_CHUNK_ID]";
    }

    @Override
    public BlockVolume open(String target) throws IOException {
        String[] parts = target.split(",");
        if (parts.length < 3 || parts.length > 4) {
            throw new IllegalArgumentException("chunkserver:" + target + " is not " + syntax());
        }
        int colon = parts[0].lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("chunkserver:" + target + ": '" + parts[0] + "' is not HOST:PORT");
        }
        InetSocketAddress address;
        long chunkSize;
        int chunks;
        long firstChunk;
        try {
            address = new InetSocketAddress(parts[0].substring(0, colon), Integer.parseInt(parts[0].substring(colon + 1)));
            chunkSize = ByteSize.parse(parts[1]);
            chunks = Integer.parseInt(parts[2]);
            firstChunk = parts.length == 4 ? Long.parseLong(parts[3]) : 1;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("chunkserver:" + target + ": " + e.getMessage() + " (" + syntax() + ")", e);
        }
        if (chunks < 1) {
            throw new IllegalArgumentException("chunkserver:" + target + ": CHUNKS " + chunks + " must be at least 1");
        }
        ChunkClient client = ChunkClient.connect(address);
        try {
            return new ClosingVolume(RemoteChunkVolume.open(client, chunkSize, chunks, firstChunk, BlockVolume.NO_EPOCH),
                    client);
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }
}
