package dev.pfs.cli.volume;

import picocli.CommandLine.Option;

/** The {@code --host-id} option of the commands that mount a volume. */
public final class HostIdMixin {
    private int hostId;

    /** Sets --host-id; a negative slot is a usage error. */
    @Option(names = "--host-id", paramLabel = "N", defaultValue = "0",
            description = "Paxos host slot to mount the volume as, below mkfs's --max-hosts (default: ${DEFAULT-VALUE}).")
    public void setHostId(int hostId) {
        if (hostId < 0) {
            throw new picocli.CommandLine.TypeConversionException("--host-id " + hostId + " must be 0 or more");
        }
        this.hostId = hostId;
    }

    /** @return the host slot */
    public int hostId() {
        return hostId;
    }
}
