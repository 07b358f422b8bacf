package dev.pfs.pswitch.server;

import dev.pfs.nativeio.UnixSocket;
import dev.pfs.pswitch.ring.ChannelLayout;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything a switch starts from, validated once here.
 *
 * @param socket           the unix socket clients attach on
 * @param volumes          what it serves
 * @param layout           every client channel's sizes
 * @param heartbeatTimeout how long a client's heartbeat may stand still before it is disconnected
 * @param metrics          where /metrics and /health are served, or null for nowhere
 */
public record SwitchConfig(Path socket, List<Volume> volumes, ChannelLayout layout, Duration heartbeatTimeout,
                           InetSocketAddress metrics) {
    /** How long a client's heartbeat may stand still by default. */
    public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(5);

    /**
     * One served volume.
     *
     * @param name     what clients attach by
     * @param backend  the backend spec ({@code file:PATH}, ...; see
     *                 {@link dev.pfs.pswitch.backend.Backends})
     * @param ownerUid the uid that may attach besides root
     */
    public record Volume(String name, String backend, int ownerUid) {
        /**
         * Parses {@code NAME=BACKEND[,owner=UID]}; the owner defaults to {@code defaultOwner}.
         *
         * @throws IllegalArgumentException naming what is malformed
         */
        public static Volume parse(String text, int defaultOwner) {
            int eq = text.indexOf('=');
            if (eq <= 0 || eq == text.length() - 1) {
                throw new IllegalArgumentException("volume '" + text + "' is not NAME=BACKEND[,owner=UID]");
            }
            String name = text.substring(0, eq);
            String backend = text.substring(eq + 1);
            int owner = defaultOwner;
            int ownerAt = backend.lastIndexOf(",owner=");
            if (ownerAt >= 0) {
                String uid = backend.substring(ownerAt + ",owner=".length());
                try {
                    owner = Integer.parseInt(uid);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("volume '" + text + "': owner '" + uid + "' is not a uid", e);
                }
                if (owner < 0) {
                    throw new IllegalArgumentException("volume '" + text + "': owner " + owner + " is not a uid");
                }
                backend = backend.substring(0, ownerAt);
            }
            return new Volume(name, backend, owner);
        }
    }

    /** @throws IllegalArgumentException naming the bad value */
    public SwitchConfig {
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > UnixSocket.MAX_PATH_BYTES) {
            throw new IllegalArgumentException("socket path " + socket + " is longer than "
                    + UnixSocket.MAX_PATH_BYTES + " bytes");
        }
        if (volumes.isEmpty()) {
            throw new IllegalArgumentException("no volume to serve: give at least one");
        }
        Set<String> names = new HashSet<>();
        for (Volume v : volumes) {
            if (v.name().getBytes(StandardCharsets.UTF_8).length > 255 || !names.add(v.name())) {
                throw new IllegalArgumentException("volume name '" + v.name() + "' is longer than 255 bytes or repeated");
            }
        }
        if (heartbeatTimeout.toMillis() < 100) {
            throw new IllegalArgumentException("heartbeat timeout " + heartbeatTimeout + " must be at least 100 ms");
        }
        volumes = List.copyOf(volumes);
    }
}
