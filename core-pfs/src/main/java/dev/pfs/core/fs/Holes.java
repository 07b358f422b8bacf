package dev.pfs.core.fs;

import dev.pfs.core.Errno;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.PfsException;
import dev.pfs.core.meta.Inode;
import dev.pfs.core.meta.MetaStore;
import java.util.NavigableMap;

/**
 * lseek's SEEK_DATA and SEEK_HOLE over a file's block map: a block with a written tag is data;
 * a block without one, or one only fallocated (unwritten, reads as zeros), is a hole, as ext4
 * reports unwritten extents. The end of the file is a hole.
 */
final class Holes {
    private Holes() {
    }

    /** @return where the next data (SEEK_DATA) or hole (SEEK_HOLE) at or after {@code offset} starts */
    static long seek(MetaStore store, Inode i, long offset, int whence, long blockSize) throws PfsException {
        if (offset < 0 || offset >= i.size) {
            throw new PfsException(Errno.ENXIO, "seek past the end of inode " + i.ino);
        }
        NavigableMap<Long, Long> blocks = store.blocks(i.ino);
        boolean wantData = whence == OpenFlags.SEEK_DATA;
        long last = (i.size - 1) / blockSize;
        for (long b = offset / blockSize; b <= last; b++) {
            Long tag = blocks.get(b);
            boolean data = tag != null && !store.unwritten(tag);
            if (data == wantData) {
                return Math.max(offset, b * blockSize);
            }
        }
        if (wantData) {
            throw new PfsException(Errno.ENXIO, "no data after offset " + offset + " of inode " + i.ino);
        }
        return i.size;
    }
}
