package dev.pfs.cli.bench;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Pfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Files inside libpfs, on a freshly formatted FileVolume (O_DIRECT where allowed) in a host
 * directory, the volume file written in full first so that it behaves as the device it stands for.
 */
final class LibpfsTarget implements WriteTarget {
    private static final int PROVISION_STEP = 8 << 20;

    private final FileVolume volume;
    private final Pfs pfs;
    private long fd = -1;

    LibpfsTarget(Path image, long size) throws IOException {
        FileVolume.create(image, size).close();
        // As every libpfs user opens its volume: libpfs waits for each request anyway.
        volume = FileVolume.open(image, true, FileVolume.CALLER_THREAD);
        try {
            provision(volume);
            Pfs.mkfs(volume, MkfsOptions.defaults());
            pfs = Pfs.mount(volume, MountOptions.readWrite(0));
        } catch (IOException | RuntimeException e) {
            volume.close();
            throw e;
        }
    }

    /**
     * Writes the whole (sparse) volume file once, as a device's blocks all exist from the start.
     * Otherwise the host file system allocates on pfs's first write to each block, and ext4 does
     * that for a write inside the file's size through unwritten extents converted after the write
     * (strace here: a 1 MB O_DIRECT write into a hole of the volume file took 1.25 ms on average
     * against 0.80 ms for the plain side's appends, which ext4 allocates as written blocks at
     * once): host work that a block device under pfs never does, and that the plain side does
     * not do either. mkfs punches its metadata areas and journal again; those stay sparse.
     */
    private static void provision(FileVolume volume) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect(PROVISION_STEP + 4096).alignedSlice(4096);
        for (long off = 0; off < volume.size(); off += PROVISION_STEP) {
            int n = (int) Math.min(PROVISION_STEP, volume.size() - off);
            volume.writeAndWait(off, zeros.clear().limit(n), BlockVolume.NO_EPOCH, false);
        }
        VolumeException.await(volume.flush());
    }

    @Override
    public String name() {
        return "libpfs";
    }

    @Override
    public String mode() {
        return "libpfs pwrite + fdatasync on " + volume + ", written in full before mkfs";
    }

    @Override
    public void open(String name) throws IOException {
        fd = pfs.open("/" + name, OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_DIRECT, 0644);
    }

    @Override
    public void pwrite(ByteBuffer buf, long offset) throws IOException {
        while (buf.hasRemaining()) {
            offset += pfs.pwrite(fd, buf, offset);
        }
    }

    @Override
    public void fdatasync() throws IOException {
        pfs.fdatasync(fd);
    }

    @Override
    public void closeFile() throws IOException {
        if (fd >= 0) {
            pfs.close(fd);
            fd = -1;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            closeFile();
            pfs.close();
        } finally {
            volume.close();
        }
    }
}
