package dev.pfs.fuse.cli;

import dev.pfs.core.PfsException;
import dev.pfs.fuse.FuseMountOptions;
import dev.pfs.fuse.MountTable;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pfs mount <volume> <mountpoint>}: serves a volume through FUSE. */
@Command(name = "mount", mixinStandardHelpOptions = true,
        description = {"Mount VOLUME at MOUNTPOINT through FUSE, for unmodified programs.",
                "Runs in the foreground until unmounted (pfs umount, fusermount3 -u, SIGTERM);",
                "--daemon detaches and returns once the mount is live."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:unmounted cleanly (or, with --daemon, mounted)",
                "1:the mount point or FUSE refused (message says why)", "2:bad usage or option",
                "3:another host holds the volume read-write", "5:no usable volume"})
public final class MountCommand implements Callable<Integer> {
    private static final int STOP_WAIT_SECONDS = 60;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<volume>", description = {"volume file or block device;",
        "switch:SOCKET,NAME: volume NAME of the PolarSwitch on SOCKET;",
        "replicated:PLACEMENT_FILE (or another switch backend): opened in this process, no switch"})
    String volume;

    @Parameters(index = "1", paramLabel = "<mountpoint>", description = "an existing, empty directory")
    Path mountPoint;

    @Option(names = "--ro", description = "mount read-only; follows the RW mount's changes")
    boolean readOnly;

    @Option(names = "--allow-other", description = "let other users (e.g. postgres) use the mount")
    boolean allowOther;

    @Option(names = "-o", paramLabel = "opts", description = "comma-separated options: "
            + "ro, rw, allow_other, attr_timeout=S, entry_timeout=S, max_threads=N")
    List<String> options = new ArrayList<>();

    @Option(names = "--host-id", defaultValue = "0", description = "this host's Disk Paxos slot (default ${DEFAULT-VALUE})")
    int hostId;

    @Option(names = "--daemon", description = "detach; print the pid and the log file")
    boolean daemon;

    @Option(names = "--log", paramLabel = "file", description = "log file with --daemon (default under the temp dir)")
    Path log;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        FuseMountOptions opts;
        MountTarget target;
        try {
            target = MountTarget.parse(volume);
            opts = FuseMountOptions.defaults(target.spec())
                    .withReadOnly(readOnly).withAllowOther(allowOther)
                    .withOptions(String.join(",", options));
        } catch (IllegalArgumentException e) {
            err.println("pfs mount: " + e.getMessage());
            return 2;
        }
        Path mp = mountPoint.toAbsolutePath().normalize();
        String problem = mountPointProblem(mp);
        if (problem != null) {
            err.println("pfs mount: " + problem);
            return 1;
        }
        String missing = target.problem();
        if (missing != null) {
            err.println("pfs mount: " + missing);
            return 5;
        }
        if (daemon) {
            return Daemon.mountInBackground(childArgs(target), mp, log, out, err);
        }
        // The hook is in place before the kernel sees the mount: a SIGTERM that comes while the
        // mount starts waits for it, then unmounts, instead of leaving a dead mount point.
        CompletableFuture<MountProcess> started = new CompletableFuture<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopWhenStarted(started, mp), "pfs-mount-shutdown"));
        MountProcess process;
        try {
            process = MountProcess.start(target, mp, hostId, opts);
        } catch (IOException | RuntimeException e) {
            started.completeExceptionally(e);
            err.println("pfs mount: " + e.getMessage());
            return exitCode(e);
        }
        MountRegistry.register(mp);
        started.complete(process);
        out.printf("pfs: mounted %s at %s (%s, epoch %d, pid %d); stop with: pfs umount %s%n", target, mp,
                opts.readOnly() ? "ro" : "rw", process.pfs().epoch(), ProcessHandle.current().pid(), mp);
        out.flush();
        process.serveUntilUnmounted();
        MountRegistry.unregister(mp);
        return 0;
    }

    private static void stopWhenStarted(CompletableFuture<MountProcess> started, Path mp) {
        try {
            started.get(STOP_WAIT_SECONDS, TimeUnit.SECONDS).stop();
            MountRegistry.unregister(mp);
        } catch (ExecutionException e) {
            // the mount never came up: nothing to stop
        } catch (TimeoutException e) {
            System.err.println("pfs mount: still starting after " + STOP_WAIT_SECONDS + " s at shutdown; not unmounted");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The pfs command's exit codes: 3 volume busy (held RW elsewhere), 5 not a usable volume. */
    private static int exitCode(Exception e) {
        if (e.getCause() instanceof PfsException pe) {
            return switch (pe.errno()) {
                case EBUSY -> 3;
                case EINVAL, EIO, ENOENT, EROFS -> 5;
                default -> 1;
            };
        }
        return 1;
    }

    /** @return why {@code mp} cannot take a mount, or null */
    static String mountPointProblem(Path mp) throws IOException {
        if (!Files.isDirectory(mp)) {
            return "mount point " + mp + " does not exist or is not a directory";
        }
        if (MountTable.isMountPoint(mp)) {
            return "mount point " + mp + " is busy: " + MountTable.fsTypeAt(mp) + " is mounted there";
        }
        return null;
    }

    private List<String> childArgs(MountTarget target) {
        List<String> args = new ArrayList<>(List.of("mount", target.spec(),
                mountPoint.toAbsolutePath().toString(), "--host-id", Integer.toString(hostId)));
        if (readOnly) {
            args.add("--ro");
        }
        if (allowOther) {
            args.add("--allow-other");
        }
        for (String o : options) {
            args.add("-o");
            args.add(o);
        }
        return args;
    }
}
