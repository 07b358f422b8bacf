package dev.pfs.chunkserver.client;

import dev.pfs.chunkserver.tls.ClusterTls;
import dev.pfs.common.volume.VolumeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * Reads every replica of every chunk of a replicated volume directly from its server's store
 * (the unreplicated READ, bypassing the group) and compares their SHA-256 digests: the check
 * behind {@code pfs chunk verify}. Followers apply a little behind their leader, so a chunk
 * whose replicas differ is read again until they agree or the settle time is up.
 */
public final class ReplicaCompare {
    private static final int PIECE = 1 << 20;

    private ReplicaCompare() {
    }

    /**
     * @param settle how long replicas may take to agree
     * @return one line per chunk whose replicas still differ or could not be read; empty when all agree
     */
    public static List<String> differences(Placement placement, Duration settle) throws InterruptedException {
        ClusterTls tls;
        try {
            tls = ReplicatedVolume.tlsOf(placement);
        } catch (VolumeException e) {
            return List.of(e.getMessage());
        }
        long end = System.nanoTime() + settle.toNanos();
        List<String> out = new ArrayList<>();
        for (int chunk = 0; chunk < placement.chunks(); chunk++) {
            String diff;
            while ((diff = compare(placement, chunk, tls)) != null && System.nanoTime() < end) {
                Thread.sleep(200);
            }
            if (diff != null) {
                out.add(diff);
            }
        }
        return out;
    }

    /** @return null when chunk {@code chunk}'s replicas are equal, else what differs */
    private static String compare(Placement placement, int chunk, ClusterTls tls) {
        Map<Integer, String> digests = new LinkedHashMap<>();
        for (int id : placement.replicas().get(chunk)) {
            try (ChunkClient c = ChunkClient.connect(placement.servers().get(id), Duration.ofSeconds(10), tls)) {
                digests.put(id, digest(c, placement.chunkId(chunk), placement.chunkSize()));
            } catch (IOException | ExecutionException e) {
                digests.put(id, "unreadable (" + e.getMessage() + ")");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return placement.describe(chunk) + ": interrupted";
            }
        }
        return digests.values().stream().distinct().count() == 1 && !digests.values().iterator().next()
                .startsWith("unreadable") ? null : placement.describe(chunk) + ": replicas differ: " + digests;
    }

    private static String digest(ChunkClient c, long chunkId, long size)
            throws ExecutionException, InterruptedException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer buf = ByteBuffer.allocate(PIECE);
        for (long at = 0; at < size; at += PIECE) {
            buf.clear().limit((int) Math.min(PIECE, size - at));
            c.read(chunkId, at, buf).get();
            sha.update(buf.flip());
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
