package dev.pfs.core.fs;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.core.Errno;
import dev.pfs.core.PfsException;
import dev.pfs.core.layout.ChunkDescriptor;
import dev.pfs.core.meta.Inode;
import dev.pfs.core.meta.MetaStore;
import dev.pfs.core.meta.Txn;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * File data to and from the volume through block tags. Reads of holes and unwritten blocks
 * return zeros. A write into a block that is new (or unwritten) writes the whole block, data
 * and zeros, so the block never shows what a former owner left there; other writes touch only
 * the 512 B sectors they cover (read-modify-write at unaligned edges). Physically contiguous
 * pieces go to the volume as one I/O.
 *
 * <p>Every transfer has two steps so that no lock is held across volume I/O: a <b>plan</b>
 * made under the metadata lock maps the range to volume offsets (a write reserves the tags of
 * blocks it allocates, {@link MetaStore#reserveTagNear}, but changes no tag), then the
 * <b>I/O</b> runs under the inode's lock only. A write's tags enter the open transaction only
 * after its data reached the volume ({@link #install}), so no commit can expose a block whose
 * zero-filling write has not completed. The I/O step touches neither the store nor any state
 * shared between threads.
 */
final class DataPath {
    private static final int SECTOR = BlockVolume.SECTOR_SIZE;
    /** Largest single volume I/O. */
    private static final int MAX_IO = 8 << 20;
    /** Scratch buffers up to this size are kept per thread; larger ones are allocated per call. */
    private static final int KEPT_SCRATCH = (1 << 20) + (64 << 10);
    private static final byte[] ZEROS = new byte[64 << 10];

    private final MetaStore store;
    private final BlockVolume volume;
    private final LongSupplier epoch;
    private final int blockSize;
    private final ThreadLocal<ByteBuffer> scratch = new ThreadLocal<>();

    DataPath(MetaStore store, BlockVolume volume, LongSupplier epoch) {
        this.store = store;
        this.volume = volume;
        this.epoch = epoch;
        this.blockSize = store.geometry().superblock().blockSize();
    }

    private ChunkDescriptor geo() {
        return store.geometry();
    }

    /** A mapped read: consecutive segments, each a volume range or zeros ({@code phys < 0}). */
    record ReadPlan(List<long[]> segments, int length) {
    }

    /** @return the plan of a read of up to {@code max} bytes at {@code off}, bounded by the file size */
    ReadPlan planRead(Inode ino, int max, long off) {
        long n = Math.min(max, ino.size - off);
        List<long[]> segments = new ArrayList<>();
        if (n <= 0) {
            return new ReadPlan(segments, 0);
        }
        long pos = off;
        long end = off + n;
        while (pos < end) {
            long bi = pos / blockSize;
            int in = (int) (pos % blockSize);
            long tag = store.tagOf(ino.ino, bi);
            long len = Math.min(blockSize - in, end - pos);
            if (tag < 0 || store.unwritten(tag)) {
                segments.add(new long[] {-1, len});
                pos += len;
                continue;
            }
            long phys = geo().blockOffset(tag) + in;
            // Extend over following blocks that lie right after this one on the volume.
            while (pos + len < end && len < MAX_IO) {
                long nt = store.tagOf(ino.ino, bi + 1);
                if (nt < 0 || store.unwritten(nt) || geo().blockOffset(nt) != phys + len) {
                    break;
                }
                bi++;
                len += Math.min(blockSize, end - pos - len);
            }
            segments.add(new long[] {phys, len});
            pos += len;
        }
        return new ReadPlan(segments, (int) n);
    }

    /** Runs a read plan into {@code dst}. No lock needed but the inode's. */
    int read(ReadPlan plan, ByteBuffer dst) throws PfsException {
        for (long[] seg : plan.segments) {
            if (seg[0] < 0) {
                for (long i = 0; i < seg[1]; i++) {
                    dst.put((byte) 0);
                }
            } else {
                readPhys(seg[0], dst, (int) seg[1]);
            }
        }
        return plan.length;
    }

    /** Reads up to {@code dst.remaining()} bytes at {@code off} in one step (symlink targets). */
    int read(Inode ino, ByteBuffer dst, long off) throws PfsException {
        return read(planRead(ino, dst.remaining(), off), dst);
    }

    private void readPhys(long phys, ByteBuffer dst, int len) throws PfsException {
        long start = phys / SECTOR * SECTOR;
        long stop = (phys + len + SECTOR - 1) / SECTOR * SECTOR;
        try {
            if (start == phys && stop == phys + len) {
                ByteBuffer slice = dst.slice(dst.position(), len);
                VolumeException.await(volume.read(phys, slice));
            } else {
                ByteBuffer tmp = scratch((int) (stop - start));
                VolumeException.await(volume.read(start, tmp));
                dst.put(dst.position(), tmp, (int) (phys - start), len);
            }
        } catch (VolumeException e) {
            throw Errors.of(e, "reading file data");
        }
        dst.position(dst.position() + len);
    }

    /** @return data blocks a write of {@code len} bytes at {@code off} would allocate */
    long blocksNeeded(Inode ino, long off, long len) {
        long need = 0;
        for (long bi = off / blockSize; bi * blockSize < off + len; bi++) {
            if (store.tagOf(ino.ino, bi) < 0) {
                need++;
            }
        }
        return need;
    }

    /** One piece of a write: the bytes of one block, at a volume offset. */
    private record Piece(long regionStart, long regionEnd, long phys, int srcOff, int len, boolean whole) {
        boolean covers() {
            return phys == regionStart && len == regionEnd - regionStart;
        }
    }

    /**
     * A planned write: where each block's bytes go, and the tags that change once the data is
     * on the volume ({@code tags[k]} becomes written block {@code indexes[k]}: newly reserved,
     * or fallocated and unwritten before).
     */
    static final class WritePlan {
        private final Inode inode;
        private final List<Piece> pieces = new ArrayList<>();
        private final List<long[]> tags = new ArrayList<>();
        private boolean allocates;

        private WritePlan(Inode inode) {
            this.inode = inode;
        }

        /** @return whether the write allocates or converts blocks (the exclusive inode lock's case) */
        boolean allocates() {
            return allocates;
        }
    }

    /**
     * @return whether a write of {@code len} bytes at {@code off} only overwrites written blocks
     *     inside the file at sector granularity: the case that may run beside other such writes
     */
    boolean isPlainOverwrite(Inode ino, long off, long len) {
        if (off % SECTOR != 0 || len % SECTOR != 0 || off + len > ino.size) {
            return false;
        }
        for (long bi = off / blockSize; bi * blockSize < off + len; bi++) {
            long tag = store.tagOf(ino.ino, bi);
            if (tag < 0 || store.unwritten(tag)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Plans a write of {@code len} bytes at {@code off}, reserving the tags of the blocks it
     * allocates; the caller checked space with {@link #blocksNeeded}. Metadata lock.
     */
    WritePlan planWrite(Inode ino, long off, int len) {
        return plan(ino, off, len, false);
    }

    /**
     * @return the plan of a write of {@code len} bytes at {@code off} if it is a plain overwrite
     *     ({@link #isPlainOverwrite}), else {@code null}: the check and the plan in one walk of the
     *     block map, the 4 KB overwrite's path. Metadata lock.
     */
    WritePlan planOverwrite(Inode ino, long off, int len) {
        if (off % SECTOR != 0 || len % SECTOR != 0 || off + len > ino.size) {
            return null;
        }
        return plan(ino, off, len, true);
    }

    /** {@link #planWrite}, or with {@code overwriteOnly} {@code null} at the first block that is not written yet. */
    private WritePlan plan(Inode ino, long off, int len, boolean overwriteOnly) {
        WritePlan plan = new WritePlan(ino);
        long pos = off;
        long lastTag = -1;
        while (pos < off + len) {
            long bi = pos / blockSize;
            int in = (int) (pos % blockSize);
            int n = (int) Math.min(blockSize - in, off + len - pos);
            long tag = store.tagOf(ino.ino, bi);
            boolean whole = false;
            if (overwriteOnly && (tag < 0 || store.unwritten(tag))) {
                return null;
            }
            if (tag < 0) {
                tag = store.reserveTagNear(lastTag >= 0 ? lastTag + 1 : hint(ino, bi));
                plan.tags.add(new long[] {tag, bi});
                whole = true;
            } else if (store.unwritten(tag)) {
                plan.tags.add(new long[] {tag, bi});
                whole = true;
            }
            lastTag = tag;
            long blockPhys = geo().blockOffset(tag);
            long phys = blockPhys + in;
            long rs = whole ? blockPhys : phys / SECTOR * SECTOR;
            long re = whole ? blockPhys + blockSize : (phys + n + SECTOR - 1) / SECTOR * SECTOR;
            plan.pieces.add(new Piece(rs, re, phys, (int) (pos - off), n, whole));
            pos += n;
        }
        plan.allocates = !plan.tags.isEmpty();
        return plan;
    }

    /**
     * Plans zeros over {@code [from, to)} of blocks that hold data (holes and unwritten blocks
     * read as zeros already); {@code null} when there is nothing to write. Metadata lock.
     */
    WritePlan planZero(Inode ino, long from, long to) {
        WritePlan plan = new WritePlan(ino);
        long pos = from;
        while (pos < to) {
            long bi = pos / blockSize;
            int in = (int) (pos % blockSize);
            int n = (int) Math.min(blockSize - in, to - pos);
            long tag = store.tagOf(ino.ino, bi);
            if (tag >= 0 && !store.unwritten(tag)) {
                long phys = geo().blockOffset(tag) + in;
                plan.pieces.add(new Piece(phys / SECTOR * SECTOR, (phys + n + SECTOR - 1) / SECTOR * SECTOR, phys,
                        (int) (pos - from), n, false));
            }
            pos += n;
        }
        return plan.pieces.isEmpty() ? null : plan;
    }

    private long hint(Inode ino, long bi) {
        long prev = store.tagOf(ino.ino, bi - 1);
        if (prev >= 0) {
            return prev + 1;
        }
        var last = store.blocks(ino.ino).lastEntry();
        return last == null ? -1 : last.getValue() + 1;
    }

    /**
     * Runs a write plan with the bytes of {@code src} (from its position; the position does not
     * move). No lock needed but the inode's.
     */
    void write(WritePlan plan, ByteBuffer src) throws PfsException {
        List<Piece> pieces = plan.pieces;
        int i = 0;
        while (i < pieces.size()) {
            int j = i + 1;
            long bytes = pieces.get(i).regionEnd - pieces.get(i).regionStart;
            while (j < pieces.size() && pieces.get(j).regionStart == pieces.get(j - 1).regionEnd && bytes < MAX_IO) {
                bytes += pieces.get(j).regionEnd - pieces.get(j).regionStart;
                j++;
            }
            writeRun(pieces, i, j, src);
            i = j;
        }
    }

    /** Makes the plan's tags written blocks of its file, in {@code txn}: its data is on the volume. */
    void install(WritePlan plan, Txn txn) {
        for (int k = 0; k < plan.tags.size(); k++) {
            long[] t = plan.tags.get(k);
            store.setTag(txn, t[0], plan.inode.ino, t[1], 0);
        }
    }

    /** Gives back the tags a failed write reserved; a block whose write failed never joins the file. */
    void abandon(WritePlan plan) {
        for (long[] t : plan.tags) {
            store.releaseReserved(t[0]);
        }
    }

    /**
     * Writes {@code src} at {@code off} in one step, allocating in {@code txn}: plan, I/O and
     * install together, under the metadata lock (a symlink's target, a few bytes).
     */
    void write(Inode ino, ByteBuffer src, long off, Txn txn) throws PfsException {
        WritePlan plan = planWrite(ino, off, src.remaining());
        try {
            write(plan, src);
        } catch (PfsException e) {
            abandon(plan);
            throw e;
        }
        install(plan, txn);
        src.position(src.limit());
    }

    /** Writes pieces {@code [from, to)}, consecutive on the volume, as one I/O. */
    private void writeRun(List<Piece> pieces, int from, int to, ByteBuffer src) throws PfsException {
        Piece first = pieces.get(from);
        Piece last = pieces.get(to - 1);
        long start = first.regionStart;
        int length = (int) (last.regionEnd - start);
        boolean covered = true;
        for (int k = from; k < to; k++) {
            covered &= pieces.get(k).covers();
        }
        ByteBuffer buf;
        try {
            if (covered) {
                buf = src.slice(src.position() + first.srcOff, length);
            } else {
                buf = scratch(length);
                for (int k = from; k < to; k++) {
                    Piece p = pieces.get(k);
                    if (p.whole) {
                        zeroFill(buf, (int) (p.regionStart - start), (int) (p.phys - p.regionStart));
                        zeroFill(buf, (int) (p.phys + p.len - start), (int) (p.regionEnd - p.phys - p.len));
                    }
                }
                if (!first.whole && first.phys != first.regionStart) {
                    readInto(buf, 0, start);
                }
                if (!last.whole && last.phys + last.len != last.regionEnd) {
                    readInto(buf, length - SECTOR, last.regionEnd - SECTOR);
                }
                for (int k = from; k < to; k++) {
                    Piece p = pieces.get(k);
                    buf.put((int) (p.phys - start), src, src.position() + p.srcOff, p.len);
                }
            }
            // Waits in the calling thread where the volume can (a FileVolume then needs no I/O thread).
            volume.writeAndWait(start, buf, epoch.getAsLong(), false);
        } catch (VolumeException e) {
            throw Errors.of(e, "writing file data");
        }
    }

    /**
     * @return a direct buffer of {@code length} bytes aligned for O_DIRECT, with unspecified
     *     contents: this thread's own, or a new one when large
     */
    private ByteBuffer scratch(int length) {
        if (length > KEPT_SCRATCH) {
            return alignedBuffer(length);
        }
        ByteBuffer b = scratch.get();
        if (b == null || b.capacity() < length) {
            b = alignedBuffer(Math.max(length, blockSize));
            scratch.set(b);
        }
        return b.clear().limit(length);
    }

    private static ByteBuffer alignedBuffer(int length) {
        int rounded = (length + 4095) / 4096 * 4096;
        return ByteBuffer.allocateDirect(rounded + 4096).alignedSlice(4096).limit(length);
    }

    private static void zeroFill(ByteBuffer buf, int at, int length) {
        for (int done = 0; done < length; ) {
            int n = Math.min(ZEROS.length, length - done);
            buf.put(at + done, ZEROS, 0, n);
            done += n;
        }
    }

    private void readInto(ByteBuffer buf, int at, long phys) throws VolumeException {
        VolumeException.await(volume.read(phys, buf.slice(at, SECTOR)));
    }

    /** Writes zeros over {@code [from, to)} of blocks that hold data, in one step (metadata lock held). */
    void zero(Inode ino, long from, long to) throws PfsException {
        WritePlan plan = planZero(ino, from, to);
        if (plan != null) {
            write(plan, ByteBuffer.allocateDirect((int) (to - from)));
        }
    }

    /** @return bytes per block */
    int blockSize() {
        return blockSize;
    }

    /** Fails unless {@code need} blocks are free; {@code what} names the call, built only for the error. */
    void checkSpace(long need, Supplier<String> what) throws PfsException {
        if (need > store.freeBlocks()) {
            long cooling = store.coolingBlocks();
            throw new PfsException(Errno.ENOSPC, "no space left on the volume for " + what.get()
                    + " (" + need + " blocks needed, " + store.freeBlocks() + " free"
                    + (cooling > 0 ? ", " + cooling + " more freed but not reusable yet" : "") + ")");
        }
    }
}
