package dev.pfs.fuse;

import dev.pfs.core.Pfs;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.cryptomator.jfuse.api.Fuse;
import org.cryptomator.jfuse.api.FuseBuilder;
import org.cryptomator.jfuse.api.FuseMountFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A libpfs file system mounted through FUSE at a directory.
 *
 * <p>{@link #mount} returns once the kernel serves the mount point. The mount ends either from
 * inside ({@link #close}: unmount, wait for the FUSE loop) or from outside ({@code fusermount3
 * -u}, {@code umount}): {@link #awaitUnmounted} returns in both cases. The caller then closes
 * the {@link Pfs}, which flushes and releases the RW lease.
 */
public final class PfsFuseMount implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PfsFuseMount.class);

    private final Fuse fuse;
    private final Arena upcallArena;
    private final Path mountPoint;
    private final CountDownLatch loopEnded = new CountDownLatch(1);
    private boolean closed;

    private PfsFuseMount(Fuse fuse, Arena upcallArena, Path mountPoint) {
        this.fuse = fuse;
        this.upcallArena = upcallArena;
        this.mountPoint = mountPoint;
    }

    /**
     * Mounts {@code pfs} at {@code mountPoint}.
     *
     * @throws IOException naming the mount point and the cause when the mount point is missing,
     *                     already a mount point, or libfuse refuses
     */
    public static PfsFuseMount mount(Pfs pfs, Path mountPoint, FuseMountOptions options) throws IOException {
        Path mp = mountPoint.toAbsolutePath().normalize();
        if (!Files.isDirectory(mp)) {
            throw new IOException("mount point " + mp + " does not exist or is not a directory");
        }
        if (MountTable.isMountPoint(mp)) {
            throw new IOException("mount point " + mp + " is busy: something is already mounted there");
        }
        if (options.readOnly() == pfs.isReadWrite()) {
            throw new IllegalArgumentException("FUSE " + (options.readOnly() ? "ro" : "rw")
                    + " option does not match the libpfs mount");
        }
        FuseBuilder builder = Fuse.builder();
        builder.setLibraryPath(LibfuseExtras.libraryPath().toString());
        PfsFuseFileSystem fs = new PfsFuseFileSystem(pfs, builder.errno());
        Fuse fuse = builder.build(fs);
        Arena arena = Arena.ofShared();
        LibfuseExtras.installExtraOperations(fuse, fs, arena);
        PfsFuseMount mount = new PfsFuseMount(fuse, arena, mp);
        List<String> args = new ArrayList<>(options.libfuseArgs());
        try {
            fuse.mount("pfs", mp, args.toArray(String[]::new));
        } catch (FuseMountFailedException e) {
            arena.close();
            throw new IOException("cannot mount at " + mp + ": " + e.getMessage()
                    + " (is /dev/fuse usable and fuse3 installed?)", e);
        }
        mount.watchLoop();
        LOG.info("mounted {} at {} ({})", options.fsName(), mp, String.join(" ", args));
        return mount;
    }

    /** @return the mount point */
    public Path mountPoint() {
        return mountPoint;
    }

    /** Blocks until the FUSE loop has ended (unmounted from inside or outside). */
    public void awaitUnmounted() throws InterruptedException {
        loopEnded.await();
    }

    /** @return whether the FUSE loop ended within {@code millis} */
    public boolean awaitUnmounted(long millis) throws InterruptedException {
        return loopEnded.await(millis, TimeUnit.MILLISECONDS);
    }

    /** Unmounts (if still mounted) and frees libfuse's session. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            fuse.close();
        } catch (TimeoutException e) {
            LOG.warn("FUSE loop at {} did not stop in time: {}", mountPoint, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("unmounting {}: {}", mountPoint, e.getMessage());
        }
        loopEnded.countDown();
        upcallArena.close();
    }

    /**
     * jfuse runs the FUSE loop as the only task of a single-thread executor; a task queued
     * behind it runs exactly when the loop returns, however the unmount came.
     */
    private void watchLoop() {
        ExecutorService loopExecutor = (ExecutorService) LibfuseExtras.readField(Fuse.class, "executor", fuse);
        loopExecutor.submit(loopEnded::countDown);
    }
}
