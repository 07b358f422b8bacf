package dev.pfs.pswitch.backend;

import dev.pfs.common.volume.BlockVolume;
import java.io.IOException;

/**
 * Opens the {@link BlockVolume} a switch routes a volume's requests to, from the part of a
 * backend spec after {@code scheme:}. One implementation per kind of backend; {@link Backends}
 * lists them.
 */
public interface BackendFactory {
    /** @return the scheme this factory opens, the spec's text before the first ':' */
    String scheme();

    /** @return a one-line description of the target syntax, for help and errors */
    String syntax();

    /**
     * @param target the spec after {@code scheme:}
     * @throws IllegalArgumentException when the target is malformed, naming what is wrong
     * @throws IOException              when the volume cannot be opened
     */
    BlockVolume open(String target) throws IOException;
}
