package dev.pfs.nbd;

import dev.pfs.common.volume.BlockVolume;
import java.util.Objects;

/**
 * What one {@code pfs nbd} serves: a volume under a name. The empty name is the default
 * export, which a client that names none gets.
 *
 * @param name        the export name clients ask for
 * @param description a line for NBD_INFO_DESCRIPTION and LIST (may be empty)
 * @param volume      the volume; the server never closes it
 * @param readOnly    refuse writes, trims and zeroing with EPERM
 */
public record NbdExport(String name, String description, BlockVolume volume, boolean readOnly) {
    /** Checks the fields. */
    public NbdExport {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(volume, "volume");
    }

    /** @return whether a client asking for {@code requested} gets this export */
    public boolean answersTo(String requested) {
        return requested.isEmpty() || requested.equals(name);
    }
}
