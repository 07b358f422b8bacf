package dev.pfs.pswitch.backend;

import dev.pfs.common.volume.BlockVolume;
import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Every kind of backend the switch can route to, by scheme. A new kind is one more entry in
 * {@link #ALL}.
 */
public final class Backends {
    /** The backends, in the order help lists them. */
    public static final List<BackendFactory> ALL = List.of(new FileBackend(), new ChunkServerBackend(),
            new ReplicatedBackend());

    private Backends() {
    }

    /**
     * Opens {@code spec}, {@code SCHEME:TARGET}.
     *
     * @throws IllegalArgumentException for an unknown scheme or a malformed target
     * @throws IOException              when the volume cannot be opened
     */
    public static BlockVolume open(String spec) throws IOException {
        int colon = spec.indexOf(':');
        String scheme = colon < 0 ? "" : spec.substring(0, colon);
        for (BackendFactory f : ALL) {
            if (f.scheme().equals(scheme)) {
                return f.open(spec.substring(colon + 1));
            }
        }
        throw new IllegalArgumentException("backend '" + spec + "': unknown kind '" + scheme + "'; one of: "
                + ALL.stream().map(BackendFactory::syntax).collect(Collectors.joining(", ")));
    }
}
