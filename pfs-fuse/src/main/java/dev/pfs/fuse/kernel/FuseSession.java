package dev.pfs.fuse.kernel;

import dev.pfs.nativeio.DeviceIo;
import dev.pfs.nativeio.Fusermount;
import dev.pfs.nativeio.LinuxIo;
import dev.pfs.nativeio.NativeIoException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One FUSE connection spoken directly on {@code /dev/fuse}: mount(2) of the device descriptor,
 * the FUSE_INIT handshake, then worker threads that each read a request, hand it to the
 * {@link FuseHandler} and write its reply. Workers block in read(2) when idle (no CPU); the
 * kernel hands each request to exactly one of them, so requests run in parallel.
 *
 * <p>The session ends when the kernel ends the connection (unmounted from inside with
 * {@link #close} or from outside with umount / fusermount3 -u): reads then fail with ENODEV and
 * every worker returns. {@link #awaitEnded} waits for that.
 */
public final class FuseSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FuseSession.class);
    /** Largest write (and read) request: 256 pages. */
    public static final int MAX_WRITE = 1 << 20;
    private static final int MAX_PAGES = MAX_WRITE / 4096;
    /** Room for the headers of a write request besides its data (the kernel needs at least 8 KB). */
    private static final int HEADROOM = 64 * 1024;
    private static final long STOP_WAIT_MS = 30_000;

    /**
     * How to mount.
     *
     * @param fsName     source shown in /proc/mounts
     * @param readOnly   mount read-only
     * @param allowOther let other users than the mounting one in
     * @param threads    worker threads
     */
    public record Options(String fsName, boolean readOnly, boolean allowOther, int threads) {
        /** @return the mount source: the fs name with separators that would split options replaced */
        public String source() {
            return fsName.replaceAll("[,\\s\\\\]", "_");
        }

        /** @return the data argument of mount(2) for device descriptor {@code fd} */
        public String mountData(int fd) {
            return "fd=" + fd + ",rootmode=40000,user_id=0,group_id=0,default_permissions"
                    + (allowOther ? ",allow_other" : "");
        }

        /** @return the -o argument of fusermount3 (it adds fd, rootmode, user_id and group_id) */
        public String fusermountOptions() {
            return (readOnly ? "ro" : "rw") + ",nosuid,nodev,fsname=" + source() + ",subtype=pfs,default_permissions"
                    + (allowOther ? ",allow_other" : "");
        }

        /** @return the flags argument of mount(2) */
        long mountFlags() {
            return DeviceIo.MS_NOSUID | DeviceIo.MS_NODEV | (readOnly ? DeviceIo.MS_RDONLY : 0);
        }
    }

    /** What the kernel agreed to in FUSE_INIT. */
    public record Negotiated(int major, int minor, int flags, int maxWrite) {
    }

    private final int fd;
    private final Path mountPoint;
    private final FuseHandler handler;
    private final Arena arena = Arena.ofShared();
    private final CountDownLatch ended;
    private final List<Thread> workers = new ArrayList<>();
    private final Object notifyLock = new Object();
    private final FuseReply notifyReply;
    private volatile boolean closing;
    private Negotiated negotiated;

    private FuseSession(int fd, Path mountPoint, FuseHandler handler, int threads) {
        this.fd = fd;
        this.mountPoint = mountPoint;
        this.handler = handler;
        this.ended = new CountDownLatch(threads);
        DeviceIo.CallState state = new DeviceIo.CallState(arena);
        this.notifyReply = new FuseReply(arena.allocate(4096 + 64, 8), segment -> write(state, segment));
    }

    /**
     * Opens {@code /dev/fuse}, mounts it at {@code mountPoint}, answers the kernel's FUSE_INIT
     * and starts the workers.
     *
     * @throws IOException naming the reason when the device, the mount or the handshake fails
     */
    public static FuseSession mount(Path mountPoint, Options options, FuseHandler handler) throws IOException {
        boolean root = DeviceIo.geteuid() == 0;
        int fd = root ? mountAsRoot(mountPoint, options) : mountThroughFusermount(mountPoint, options);
        FuseSession session = new FuseSession(fd, mountPoint, handler, options.threads());
        try {
            session.negotiated = session.handshake(options.readOnly());
        } catch (IOException | RuntimeException e) {
            session.close();
            throw e;
        }
        session.startWorkers(options.threads());
        LOG.info("FUSE session at {}: kernel protocol {}.{}, max_write {}, {} workers, writeback cache off",
                mountPoint, session.negotiated.major(), session.negotiated.minor(),
                session.negotiated.maxWrite(), options.threads());
        return session;
    }

    /** mount(2) of a /dev/fuse descriptor we opened. */
    private static int mountAsRoot(Path mountPoint, Options options) throws IOException {
        int fd;
        try {
            fd = LinuxIo.open("/dev/fuse", LinuxIo.O_RDWR, 0);
        } catch (NativeIoException e) {
            throw new IOException("cannot open /dev/fuse: " + e.getMessage() + " (is the fuse module loaded?)", e);
        }
        try {
            DeviceIo.mount(options.source(), mountPoint.toString(), "fuse.pfs", options.mountFlags(),
                    options.mountData(fd));
        } catch (NativeIoException e) {
            closeQuietly(fd);
            throw new IOException("cannot mount at " + mountPoint + ": " + e.getMessage(), e);
        }
        return fd;
    }

    /** Without root: the set-user-ID fusermount3 mounts and hands the descriptor back. */
    private static int mountThroughFusermount(Path mountPoint, Options options) throws IOException {
        try {
            return Fusermount.mount(mountPoint.toString(), options.fusermountOptions());
        } catch (NativeIoException e) {
            throw new IOException("cannot mount at " + mountPoint + " through fusermount3: " + e.getMessage()
                    + (options.allowOther() ? " (allow_other needs user_allow_other in /etc/fuse.conf)" : ""), e);
        }
    }

    /** @return what FUSE_INIT settled */
    public Negotiated negotiated() {
        return negotiated;
    }

    /** @return the mount point */
    public Path mountPoint() {
        return mountPoint;
    }

    /**
     * The INIT flags pfs asks for. {@code FUSE_AUTO_INVAL_DATA} only on a RO mount, whose files
     * the RW mount changes behind the kernel's back: with it the kernel refreshes the attributes
     * before every read (GETATTR whenever a write has invalidated them, so on a RW mount one
     * GETATTR per read that follows a write, and with it a GETXATTR security.capability on the
     * next write, as a refresh clears S_NOSEC). On the RW mount every change passes through the
     * kernel, so its page cache cannot go stale.
     */
    static int wantedFlags(boolean readOnly) {
        return FuseInitDescriptor.FUSE_ASYNC_READ | FuseInitDescriptor.FUSE_BIG_WRITES
                | FuseInitDescriptor.FUSE_MAX_PAGES | (readOnly ? FuseInitDescriptor.FUSE_AUTO_INVAL_DATA : 0)
                | FuseInitDescriptor.FUSE_DO_READDIRPLUS | FuseInitDescriptor.FUSE_READDIRPLUS_AUTO
                | FuseInitDescriptor.FUSE_PARALLEL_DIROPS | FuseInitDescriptor.FUSE_ASYNC_DIO
                | FuseInitDescriptor.FUSE_HANDLE_KILLPRIV_V2;
    }

    private Negotiated handshake(boolean readOnly) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            DeviceIo.CallState state = new DeviceIo.CallState(a);
            MemorySegment in = a.allocate(MAX_WRITE + HEADROOM, 8);
            long n = DeviceIo.read(state, fd, in);
            if (n < 0) {
                throw new IOException("reading FUSE_INIT from /dev/fuse failed: " + LinuxIo.strerror((int) -n));
            }
            FuseRequest req = new FuseRequest(in);
            String bad = req.wrap((int) n);
            if (bad == null && req.opcode() != FuseOpcode.INIT) {
                bad = "first request has opcode " + req.opcode() + ", not FUSE_INIT";
            }
            if (bad != null) {
                throw new IOException("FUSE handshake: " + bad);
            }
            int major = req.bodyInt(FuseInitDescriptor.IN_MAJOR);
            int minor = req.bodyInt(FuseInitDescriptor.IN_MINOR);
            int kernelFlags = req.bodyInt(FuseInitDescriptor.IN_FLAGS);
            FuseReply reply = new FuseReply(a.allocate(256, 8), segment -> write(state, segment));
            reply.start(req.unique());
            String refused = FuseInitDescriptor.check(major, minor);
            if (refused != null) {
                reply.error(71); // EPROTO
                throw new IOException(refused);
            }
            int flags = wantedFlags(readOnly) & kernelFlags;
            int ourMinor = Math.min(minor, FuseInitDescriptor.KERNEL_MINOR_VERSION);
            reply.zero(0, FuseInitDescriptor.OUT_LENGTH)
                    .putInt(FuseInitDescriptor.OUT_MAJOR, FuseInitDescriptor.KERNEL_VERSION)
                    .putInt(FuseInitDescriptor.OUT_MINOR, ourMinor)
                    .putInt(FuseInitDescriptor.OUT_MAX_READAHEAD, Math.min(MAX_WRITE,
                            req.bodyInt(FuseInitDescriptor.IN_MAX_READAHEAD)))
                    .putInt(FuseInitDescriptor.OUT_FLAGS, flags)
                    .putShort(FuseInitDescriptor.OUT_MAX_BACKGROUND, 64)
                    .putShort(FuseInitDescriptor.OUT_CONGESTION_THRESHOLD, 48)
                    .putInt(FuseInitDescriptor.OUT_MAX_WRITE, MAX_WRITE)
                    .putInt(FuseInitDescriptor.OUT_TIME_GRAN, 1)
                    .putShort(FuseInitDescriptor.OUT_MAX_PAGES, MAX_PAGES);
            reply.send(FuseInitDescriptor.OUT_LENGTH);
            return new Negotiated(FuseInitDescriptor.KERNEL_VERSION, ourMinor, flags, MAX_WRITE);
        }
    }

    private void startWorkers(int threads) {
        for (int i = 0; i < threads; i++) {
            Thread t = Thread.ofPlatform().daemon().name("fuse-worker-" + i).unstarted(this::serve);
            workers.add(t);
            t.start();
        }
    }

    /** A worker: read, dispatch, reply, until the connection ends. */
    private void serve() {
        // Shared, not confined: libpfs hands the request buffer itself to the volume, whose I/O
        // threads read it while this worker waits for the write to complete.
        try (Arena a = Arena.ofShared()) {
            DeviceIo.CallState state = new DeviceIo.CallState(a);
            MemorySegment in = a.allocate(MAX_WRITE + HEADROOM, 4096);
            FuseRequest req = new FuseRequest(in);
            FuseReply reply = new FuseReply(a.allocate(MAX_WRITE + HEADROOM, 4096), segment -> write(state, segment));
            while (true) {
                long n = DeviceIo.read(state, fd, in);
                if (n < 0) {
                    int errno = (int) -n;
                    if (errno == DeviceIo.ENOENT) {
                        continue; // the request was interrupted before we read it
                    }
                    if (errno != DeviceIo.ENODEV && !closing) {
                        LOG.error("reading /dev/fuse at {} failed: {}; this worker stops", mountPoint,
                                LinuxIo.strerror(errno));
                    }
                    return;
                }
                String bad = req.wrap((int) n);
                if (bad != null) {
                    LOG.error("malformed FUSE request at {}: {}", mountPoint, bad);
                    continue;
                }
                dispatch(req, reply);
            }
        } finally {
            ended.countDown();
        }
    }

    private void dispatch(FuseRequest req, FuseReply reply) {
        int opcode = req.opcode();
        reply.start(req.unique());
        try {
            handler.handle(req, reply);
        } catch (Exception | Error e) {
            LOG.error("FUSE opcode {} on node {}: unexpected failure, answering EIO", opcode, req.nodeId(), e);
        }
        if (!reply.sent() && !FuseOpcode.noReply(opcode)) {
            reply.error(5); // EIO
        }
    }

    private void write(DeviceIo.CallState state, MemorySegment reply) {
        long n = DeviceIo.write(state, fd, reply);
        // ENOENT: the kernel no longer waits for this request (interrupted); nothing to do.
        if (n < 0 && n != -DeviceIo.ENOENT && n != -DeviceIo.ENODEV) {
            LOG.warn("writing a FUSE reply at {} failed: {}", mountPoint, LinuxIo.strerror((int) -n));
        }
    }

    /**
     * Tells the kernel to drop its cached attributes and pages of node {@code nodeId}
     * (FUSE_NOTIFY_INVAL_INODE). Errors (the node is not cached) are ignored.
     */
    public void invalidateInode(long nodeId) {
        synchronized (notifyLock) {
            notifyReply.start(0);
            notifyReply.putLong(0, nodeId).putLong(8, 0).putLong(16, -1);
            notifyReply.notify(FuseReplyDescriptor.NOTIFY_INVAL_INODE, FuseReplyDescriptor.INVAL_INODE_LENGTH);
        }
    }

    /** Tells the kernel to drop its cached name {@code name} in directory node {@code parent}. */
    public void invalidateEntry(long parent, String name) {
        synchronized (notifyLock) {
            notifyReply.start(0);
            int len = notifyReply.putName(FuseReplyDescriptor.INVAL_ENTRY_NAME, name);
            notifyReply.putLong(0, parent).putInt(8, len).putInt(12, 0);
            notifyReply.notify(FuseReplyDescriptor.NOTIFY_INVAL_ENTRY, FuseReplyDescriptor.INVAL_ENTRY_NAME + len + 1);
        }
    }

    /** Blocks until every worker has returned (the connection ended). */
    public void awaitEnded() throws InterruptedException {
        ended.await();
    }

    /** @return whether the connection ended within {@code millis} */
    public boolean awaitEnded(long millis) throws InterruptedException {
        return ended.await(millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Unmounts (detaching, as libfuse does, so a busy mount point goes once its last user
     * closes), waits for the workers, then closes the device. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closing) {
            return;
        }
        closing = true;
        unmount();
        try {
            if (!workers.isEmpty() && !ended.await(STOP_WAIT_MS, TimeUnit.MILLISECONDS)) {
                LOG.warn("FUSE workers at {} still busy {} s after unmount (files still open?)",
                        mountPoint, STOP_WAIT_MS / 1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(fd);
        while (ended.getCount() > 0 && workers.isEmpty()) {
            ended.countDown();
        }
    }

    private void unmount() {
        if (DeviceIo.geteuid() != 0) {
            try {
                Process p = new ProcessBuilder("fusermount3", "-u", "-z", mountPoint.toString())
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                if (p.waitFor() != 0 && !out.contains("not mounted") && !out.contains("not found")) {
                    LOG.warn("fusermount3 -u {}: {}", mountPoint, out.strip());
                }
            } catch (IOException e) {
                LOG.warn("unmounting {}: {}", mountPoint, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try {
            DeviceIo.umount(mountPoint.toString(), DeviceIo.MNT_DETACH);
        } catch (NativeIoException e) {
            if (e.errno() != NativeIoException.EINVAL) { // EINVAL: not mounted any more
                LOG.warn("unmounting {}: {}", mountPoint, e.getMessage());
            }
        }
    }

    private static void closeQuietly(int fd) {
        try {
            LinuxIo.close(fd);
        } catch (NativeIoException e) {
            LOG.warn("closing /dev/fuse: {}", e.getMessage());
        }
    }
}
