package dev.pfs.cli.volume;

import picocli.CommandLine.Option;

/** The {@code --host-id} option of the commands that mount a volume. */
public final class HostIdMixin {
    @Option(names = "--host-id", paramLabel = "N", defaultValue = "0",
            description = "Paxos host slot to mount the volume as (default: ${DEFAULT-VALUE}).")
    private int hostId;

    /** @return the host slot */
    public int hostId() {
        return hostId;
    }
}
