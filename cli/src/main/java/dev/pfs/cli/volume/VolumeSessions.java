package dev.pfs.cli.volume;

import dev.pfs.cli.CliException;
import dev.pfs.cli.ExitStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The volumes one command works on, each mounted once (keyed by its real path), RW when the
 * command writes to it. Closing unmounts them all.
 */
public final class VolumeSessions implements AutoCloseable {
    private final int hostId;
    private final Map<Path, VolumeSession> sessions = new LinkedHashMap<>();
    private final Map<Path, Boolean> readWrite = new LinkedHashMap<>();

    /** @param hostId the paxos host slot every mount uses */
    public VolumeSessions(int hostId) {
        this.hostId = hostId;
    }

    /**
     * Mounts {@code volume} (or returns its mount).
     *
     * @param rw whether the command will change it; ask for RW first when a command both reads
     *           and writes one volume
     */
    public VolumeSession get(Path volume, boolean rw) throws CliException {
        Path key = realPath(volume);
        VolumeSession session = sessions.get(key);
        if (session != null) {
            if (rw && !readWrite.get(key)) {
                throw new CliException(ExitStatus.INTERNAL, volume + " was mounted read-only before a write was asked for");
            }
            return session;
        }
        session = VolumeSession.mount(volume, rw, hostId);
        sessions.put(key, session);
        readWrite.put(key, rw);
        return session;
    }

    /** @return whether two volume files are the same file */
    public static boolean same(Path a, Path b) throws CliException {
        return realPath(a).equals(realPath(b));
    }

    private static Path realPath(Path volume) throws CliException {
        try {
            return volume.toRealPath();
        } catch (IOException e) {
            throw new CliException(ExitStatus.BAD_VOLUME, volume + ": no such volume file", e);
        }
    }

    /** Unmounts every volume; reports the first failure after trying all. */
    @Override
    public void close() throws CliException {
        CliException first = null;
        for (VolumeSession session : sessions.values()) {
            try {
                session.close();
            } catch (CliException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        sessions.clear();
        if (first != null) {
            throw first;
        }
    }
}
