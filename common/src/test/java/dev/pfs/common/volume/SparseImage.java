package dev.pfs.common.volume;

import java.util.HashMap;
import java.util.Map;

/** A sparse in-memory byte image in 4 KB pages; never-written bytes read as zero. */
final class SparseImage {
    static final int PAGE = 4096;
    private final Map<Long, byte[]> pages = new HashMap<>();

    void read(long offset, byte[] dst, int dstOff, int length) {
        for (int done = 0; done < length; ) {
            long pos = offset + done;
            int inPage = (int) (pos % PAGE);
            int step = Math.min(PAGE - inPage, length - done);
            byte[] page = pages.get(pos / PAGE);
            if (page == null) {
                java.util.Arrays.fill(dst, dstOff + done, dstOff + done + step, (byte) 0);
            } else {
                System.arraycopy(page, inPage, dst, dstOff + done, step);
            }
            done += step;
        }
    }

    void write(long offset, byte[] src, int srcOff, int length) {
        for (int done = 0; done < length; ) {
            long pos = offset + done;
            int inPage = (int) (pos % PAGE);
            int step = Math.min(PAGE - inPage, length - done);
            byte[] page = pages.computeIfAbsent(pos / PAGE, k -> new byte[PAGE]);
            System.arraycopy(src, srcOff + done, page, inPage, step);
            done += step;
        }
    }

    void truncate(long size) {
        pages.keySet().removeIf(p -> p * PAGE >= size);
        long tailPage = size / PAGE;
        byte[] page = pages.get(tailPage);
        if (page != null) {
            java.util.Arrays.fill(page, (int) (size % PAGE), PAGE, (byte) 0);
        }
    }

    SparseImage copy() {
        SparseImage c = new SparseImage();
        pages.forEach((k, v) -> c.pages.put(k, v.clone()));
        return c;
    }
}
