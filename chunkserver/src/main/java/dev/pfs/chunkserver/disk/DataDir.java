package dev.pfs.chunkserver.disk;

import dev.pfs.chunkserver.store.ChunkStore;
import dev.pfs.common.volume.FileVolume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A chunkserver's data directory: the identity stamp, the data file (the blocks, its space
 * reserved from the host at format), the meta file (checkpoint slots) and the WAL file, which may sit in a separate directory on a
 * faster device and then carries a copy of the stamp. An empty or missing directory is
 * formatted; a directory with a stamp is checked; anything else is refused.
 */
public final class DataDir implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DataDir.class);
    static final String STAMP = "STAMP";
    static final String DATA = "chunks.data";
    static final String META = "chunks.meta";
    static final String WAL = "chunks.wal";
    /**
     * One I/O thread per WAL frame the store keeps in flight: each blocks in its O_DSYNC write.
     * A lone frame is written on the store's own thread.
     */
    private static final int WAL_IO_THREADS = ChunkStore.Options.DEFAULT_WAL_IN_FLIGHT;

    /**
     * Sizes chosen at format.
     *
     * @param capacityBytes data file size: the most chunk data this disk holds
     * @param walBytes      WAL file size
     * @param maxChunks     most chunks on this disk
     */
    public record Layout(long capacityBytes, long walBytes, int maxChunks) {
    }

    private final DiskStamp stamp;
    private final FileVolume data;
    private final FileVolume wal;
    private final FileVolume meta;

    private DataDir(DiskStamp stamp, FileVolume data, FileVolume wal, FileVolume meta) {
        this.stamp = stamp;
        this.data = data;
        this.wal = wal;
        this.meta = meta;
    }

    /**
     * Opens {@code dir}, formatting it first if it is empty or missing.
     *
     * @param walDir    where the WAL lives, or null for {@code dir}
     * @param clusterId the expected cluster, or null to accept the stamp's (format: "pfs")
     * @param serverId  the expected server, or null to accept the stamp's (format: 1)
     * @throws DataDirException with a message for the operator when the directory is foreign,
     *                          belongs elsewhere, or is damaged
     */
    public static DataDir openOrFormat(Path dir, Path walDir, String clusterId, Long serverId, Layout layout)
            throws IOException {
        Path logDir = walDir == null ? dir : walDir;
        if (!Files.exists(dir.resolve(STAMP))) {
            if (Files.exists(dir) && !isEmpty(dir)) {
                throw new DataDirException("data directory " + dir + " is not empty and has no " + STAMP
                        + ": not a pfs chunkserver directory (or its format did not finish); refusing to touch it");
            }
            if (walDir != null && Files.exists(walDir) && !isEmpty(walDir)) {
                throw new DataDirException("WAL directory " + walDir + " is not empty; a new data directory needs an"
                        + " empty WAL directory");
            }
            format(dir, logDir, new DiskStamp(clusterId == null ? "pfs" : clusterId,
                    serverId == null ? 1 : serverId, UUID.randomUUID()), layout);
        }
        DiskStamp stamp = readStamp(dir);
        if (!Files.exists(logDir.resolve(STAMP))) {
            throw new DataDirException("WAL directory " + logDir + " has no " + STAMP + ": it is not the WAL of "
                    + dir + " (disk " + stamp.diskId() + ")");
        }
        DiskStamp walStamp = readStamp(logDir);
        if (!walStamp.equals(stamp)) {
            throw new DataDirException("WAL directory " + logDir + " belongs to disk " + walStamp.diskId()
                    + ", not to " + dir + " (disk " + stamp.diskId() + ")");
        }
        if (clusterId != null && !clusterId.equals(stamp.clusterId())) {
            throw new DataDirException("data directory " + dir + " belongs to cluster '" + stamp.clusterId()
                    + "', not '" + clusterId + "'");
        }
        if (serverId != null && serverId != stamp.serverId()) {
            throw new DataDirException("data directory " + dir + " belongs to server " + stamp.serverId()
                    + ", not " + serverId);
        }
        if (!Files.isRegularFile(logDir.resolve(WAL))) {
            throw new DataDirException("no WAL file " + logDir.resolve(WAL) + "; if disk " + stamp.diskId()
                    + " was formatted with --wal-dir, start it with the same --wal-dir");
        }
        for (Path p : new Path[] {dir.resolve(DATA), dir.resolve(META)}) {
            if (!Files.isRegularFile(p)) {
                throw new DataDirException("data directory " + dir + " is damaged: " + p + " is missing");
            }
        }
        // Every WAL write is a FUA group commit: O_DSYNC lets the kernel make it durable within the
        // write (FUA where the device has it) instead of a second call to fdatasync.
        return new DataDir(stamp, FileVolume.open(dir.resolve(DATA)),
                FileVolume.openWriteThrough(logDir.resolve(WAL), WAL_IO_THREADS), FileVolume.open(dir.resolve(META)));
    }

    private static boolean isEmpty(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new DataDirException(dir + " exists and is not a directory");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /**
     * Takes all the space the disk will ever use from the host now, so that no acknowledged
     * change can meet ENOSPC later (nor its replay): the data file reserved in full, the meta
     * and WAL files written with zeros. When the host has no room for them, format fails with
     * that message and leaves the directories as empty as it found them.
     */
    private static void format(Path dir, Path logDir, DiskStamp stamp, Layout layout) throws IOException {
        Files.createDirectories(dir);
        Files.createDirectories(logDir);
        long capacity = layout.capacityBytes() / ChunkStore.BLOCK_SIZE * ChunkStore.BLOCK_SIZE;
        Path[] files = {dir.resolve(DATA), dir.resolve(META), logDir.resolve(WAL)};
        try {
            HostSpace.reserve(files[0], capacity);
            HostSpace.writeZeros(files[1], ChunkStore.metaVolumeSize(capacity, layout.maxChunks()));
            try (FileVolume data = FileVolume.open(files[0]);
                 FileVolume meta = FileVolume.open(files[1])) {
                ChunkStore.format(data, meta, layout.maxChunks());
            }
            HostSpace.writeZeros(files[2], layout.walBytes() / 512 * 512);
        } catch (IOException | RuntimeException e) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
            throw e;
        }
        writeStamp(logDir, stamp);
        if (!logDir.equals(dir)) {
            writeStamp(dir, stamp);
        }
        LOG.info("formatted {} (WAL in {}): cluster '{}', server {}, disk {}, {} bytes of blocks, {} bytes of WAL",
                dir, logDir, stamp.clusterId(), stamp.serverId(), stamp.diskId(), capacity, layout.walBytes());
    }

    private static void writeStamp(Path dir, DiskStamp stamp) throws IOException {
        Path tmp = dir.resolve(STAMP + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(stamp.encode());
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(STAMP), StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    private static DiskStamp readStamp(Path dir) throws IOException {
        byte[] bytes = Files.readAllBytes(dir.resolve(STAMP));
        try {
            return DiskStamp.decode(ByteBuffer.wrap(bytes));
        } catch (IllegalArgumentException e) {
            throw new DataDirException(dir.resolve(STAMP) + ": " + e.getMessage() + "; refusing to start");
        }
    }

    /** @return this disk's identity */
    public DiskStamp stamp() {
        return stamp;
    }

    /** Opens the chunk store on this disk, recovering it. */
    public ChunkStore openStore(ChunkStore.Options options) throws IOException {
        return ChunkStore.open(data, wal, meta, options);
    }

    /**
     * Opens the replication log file {@code file}, creating it first with {@code bytes} of
     * zeros (under a temporary name, renamed once synced, so a crash mid-way leaves no short
     * log). Written with zeros, not sparse: every append then overwrites blocks the file
     * system already holds as written, so an append is one O_DSYNC write (the file is opened
     * write-through) with no extent allocation or conversion, which on ext4 costs a journal
     * commit (milliseconds) per append.
     */
    public static FileVolume openReplicationLog(Path file, long bytes) throws IOException {
        if (!Files.exists(file)) {
            Path tmp = file.resolveSibling(file.getFileName() + ".new");
            Files.deleteIfExists(tmp);
            try {
                HostSpace.writeZeros(tmp, bytes);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel d = FileChannel.open(file.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
                d.force(true);
            }
        }
        return FileVolume.openWriteThrough(file, WAL_IO_THREADS);
    }

    /** @return whether the data file is read and written with O_DIRECT */
    public boolean isDirect() {
        return data.isDirect();
    }

    @Override
    public void close() {
        data.close();
        wal.close();
        meta.close();
    }

    @Override
    public String toString() {
        return "DataDir[" + Objects.toString(stamp) + "]";
    }
}
