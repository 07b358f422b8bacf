package dev.pfs.core.fs;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.core.Errno;
import dev.pfs.core.PfsException;
import dev.pfs.core.layout.ChunkDescriptor;
import dev.pfs.core.layout.MetaSlotDescriptor;
import dev.pfs.core.meta.Inode;
import dev.pfs.core.meta.MetaStore;
import dev.pfs.core.meta.Txn;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * File data to and from the volume through block tags. Reads of holes and unwritten blocks
 * return zeros. A write into a block that is new (or unwritten) writes the whole block, data
 * and zeros, so the block never shows what a former owner left there; other writes touch only
 * the 512 B sectors they cover (read-modify-write at unaligned edges). Physically contiguous
 * pieces go to the volume as one I/O.
 */
final class DataPath {
    private static final int SECTOR = BlockVolume.SECTOR_SIZE;

    private final MetaStore store;
    private final BlockVolume volume;
    private final LongSupplier epoch;
    private final int blockSize;
    private static final byte[] ZEROS = new byte[64 << 10];
    private ByteBuffer writeScratch;
    private ByteBuffer readScratch;

    DataPath(MetaStore store, BlockVolume volume, LongSupplier epoch) {
        this.store = store;
        this.volume = volume;
        this.epoch = epoch;
        this.blockSize = store.geometry().superblock().blockSize();
    }

    private ChunkDescriptor geo() {
        return store.geometry();
    }

    /** Reads up to {@code dst.remaining()} bytes at {@code off}, bounded by the file size. */
    int read(Inode ino, ByteBuffer dst, long off) throws PfsException {
        long n = Math.min(dst.remaining(), ino.size - off);
        if (n <= 0) {
            return 0;
        }
        long pos = off;
        long end = off + n;
        while (pos < end) {
            long bi = pos / blockSize;
            int in = (int) (pos % blockSize);
            long tag = store.tagOf(ino.ino, bi);
            long len = Math.min(blockSize - in, end - pos);
            if (tag < 0 || store.unwritten(tag)) {
                for (long i = 0; i < len; i++) {
                    dst.put((byte) 0);
                }
                pos += len;
                continue;
            }
            long phys = geo().blockOffset(tag) + in;
            // Extend over following blocks that lie right after this one on the volume.
            while (pos + len < end && len < (8 << 20)) {
                long nt = store.tagOf(ino.ino, bi + 1);
                if (nt < 0 || store.unwritten(nt) || geo().blockOffset(nt) != phys + len) {
                    break;
                }
                bi++;
                len += Math.min(blockSize, end - pos - len);
            }
            readPhys(phys, dst, (int) len);
            pos += len;
        }
        return (int) n;
    }

    private void readPhys(long phys, ByteBuffer dst, int len) throws PfsException {
        long start = phys / SECTOR * SECTOR;
        long stop = (phys + len + SECTOR - 1) / SECTOR * SECTOR;
        try {
            if (start == phys && stop == phys + len) {
                ByteBuffer slice = dst.slice(dst.position(), len);
                VolumeException.await(volume.read(phys, slice));
            } else {
                ByteBuffer tmp = readScratch((int) (stop - start));
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
    }

    /**
     * Writes {@code src} at {@code off}, allocating blocks in {@code txn}; the caller checked
     * space with {@link #blocksNeeded}. Does not change the size.
     */
    void write(Inode ino, ByteBuffer src, long off, Txn txn) throws PfsException {
        int total = src.remaining();
        List<Piece> pieces = new ArrayList<>();
        List<Long> allocated = new ArrayList<>();
        List<Long> unwrittenUsed = new ArrayList<>();
        long pos = off;
        while (pos < off + total) {
            long bi = pos / blockSize;
            int in = (int) (pos % blockSize);
            int len = (int) Math.min(blockSize - in, off + total - pos);
            long tag = store.tagOf(ino.ino, bi);
            boolean whole = false;
            if (tag < 0) {
                tag = store.freeTagNear(hint(ino, bi));
                store.setTag(txn, tag, ino.ino, bi, 0);
                allocated.add(tag);
                whole = true;
            } else if (store.unwritten(tag)) {
                store.setTag(txn, tag, ino.ino, bi, 0);
                unwrittenUsed.add(tag);
                whole = true;
            }
            long blockPhys = geo().blockOffset(tag);
            long phys = blockPhys + in;
            long rs = whole ? blockPhys : phys / SECTOR * SECTOR;
            long re = whole ? blockPhys + blockSize : (phys + len + SECTOR - 1) / SECTOR * SECTOR;
            pieces.add(new Piece(rs, re, phys, (int) (pos - off), len, whole));
            pos += len;
        }
        try {
            int i = 0;
            while (i < pieces.size()) {
                int j = i + 1;
                long bytes = pieces.get(i).regionEnd - pieces.get(i).regionStart;
                while (j < pieces.size() && pieces.get(j).regionStart == pieces.get(j - 1).regionEnd
                        && bytes < (8 << 20)) {
                    bytes += pieces.get(j).regionEnd - pieces.get(j).regionStart;
                    j++;
                }
                writeRun(pieces.subList(i, j), src);
                i = j;
            }
        } catch (PfsException e) {
            // A block whose zero-filling write failed may still hold a former owner's data: it
            // must not become part of the file.
            for (long t : allocated) {
                store.freeTag(txn, t);
            }
            for (long t : unwrittenUsed) {
                store.setTag(txn, t, ino.ino, store.tagIndex(t), MetaSlotDescriptor.TAG_UNWRITTEN);
            }
            throw e;
        }
        src.position(src.position() + total);
    }

    private long hint(Inode ino, long bi) {
        long prev = store.tagOf(ino.ino, bi - 1);
        if (prev >= 0) {
            return prev + 1;
        }
        var last = store.blocks(ino.ino).lastEntry();
        return last == null ? -1 : last.getValue() + 1;
    }

    private void writeRun(List<Piece> run, ByteBuffer src) throws PfsException {
        Piece first = run.get(0);
        Piece last = run.get(run.size() - 1);
        long start = first.regionStart;
        int length = (int) (last.regionEnd - start);
        boolean aligned = run.size() == 1 && !first.whole && first.phys == start && first.len == length;
        ByteBuffer buf;
        try {
            if (aligned && src.isDirect()) {
                buf = src.slice(src.position() + first.srcOff, first.len);
            } else {
                buf = writeScratch(length);
                for (Piece p : run) {
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
                for (Piece p : run) {
                    buf.put((int) (p.phys - start), src, src.position() + p.srcOff, p.len);
                }
            }
            VolumeException.await(volume.write(start, buf, epoch.getAsLong(), false));
        } catch (VolumeException e) {
            throw Errors.of(e, "writing file data");
        }
    }

    /**
     * @return a reused direct buffer of {@code length} bytes aligned for O_DIRECT (the mount's
     *     lock serialises its users), with unspecified contents
     */
    private ByteBuffer writeScratch(int length) {
        if (writeScratch == null || writeScratch.capacity() < length) {
            writeScratch = alignedBuffer(Math.max(length, blockSize));
        }
        return writeScratch.clear().limit(length);
    }

    private ByteBuffer readScratch(int length) {
        if (readScratch == null || readScratch.capacity() < length) {
            readScratch = alignedBuffer(Math.max(length, blockSize));
        }
        return readScratch.clear().limit(length);
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

    /** Writes zeros over {@code [from, to)} of blocks that hold data; holes stay holes. */
    void zero(Inode ino, long from, long to) throws PfsException {
        long pos = from;
        while (pos < to) {
            long bi = pos / blockSize;
            int len = (int) Math.min(blockSize - pos % blockSize, to - pos);
            long tag = store.tagOf(ino.ino, bi);
            if (tag >= 0 && !store.unwritten(tag)) {
                write(ino, ByteBuffer.allocateDirect(len), pos, null);
            }
            pos += len;
        }
    }

    /** @return bytes per block */
    int blockSize() {
        return blockSize;
    }

    /** Fails unless {@code need} blocks are free. */
    void checkSpace(long need, String path) throws PfsException {
        if (need > store.freeBlocks()) {
            long cooling = store.coolingBlocks();
            throw new PfsException(Errno.ENOSPC, "no space left on the volume for " + path
                    + " (" + need + " blocks needed, " + store.freeBlocks() + " free"
                    + (cooling > 0 ? ", " + cooling + " more freed but not reusable yet" : "") + ")");
        }
    }
}
