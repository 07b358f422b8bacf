package dev.pfs.fuse.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pfs umount <mountpoint>}: unmounts and waits for the mount process to flush and exit. */
@Command(name = "umount", mixinStandardHelpOptions = true,
        description = {"Unmount a pfs mount; waits until its process flushed and released the volume."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:unmounted", "1:not a pfs mount, busy, or the process did not stop in time"})
public final class UmountCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<mountpoint>")
    Path mountPoint;

    @Option(names = {"-z", "--lazy"}, description = "detach even if busy (and clean up a dead mount)")
    boolean lazy;

    @Option(names = "--timeout", defaultValue = "60", description = "seconds to wait for the process (default ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        Path mp = mountPoint.toAbsolutePath().normalize();
        String problem = Unmounter.unmount(mp, lazy, timeoutSeconds);
        if (problem != null) {
            spec.commandLine().getErr().println("pfs umount: " + problem);
            return 1;
        }
        spec.commandLine().getOut().println("pfs: unmounted " + mp);
        return 0;
    }
}
