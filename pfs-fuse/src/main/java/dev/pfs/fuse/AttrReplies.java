package dev.pfs.fuse;

import static dev.pfs.fuse.kernel.FuseReplyDescriptor.*;

import dev.pfs.core.FileType;
import dev.pfs.core.PfsStat;
import dev.pfs.fuse.kernel.FuseReply;

/**
 * Writes pfs attributes into replies: {@code fuse_attr}, {@code fuse_attr_out} and
 * {@code fuse_entry_out}, with the mount's cache timeouts.
 */
final class AttrReplies {
    private final long attrSec;
    private final int attrNsec;
    private final long entrySec;
    private final int entryNsec;

    AttrReplies(double attrTimeout, double entryTimeout) {
        this.attrSec = (long) attrTimeout;
        this.attrNsec = (int) Math.round((attrTimeout - attrSec) * 1e9);
        this.entrySec = (long) entryTimeout;
        this.entryNsec = (int) Math.round((entryTimeout - entrySec) * 1e9);
    }

    /** Writes a fuse_attr at {@code at}. */
    static void attr(FuseReply r, int at, PfsStat st) {
        r.putLong(at + ATTR_INO, st.ino())
                .putLong(at + ATTR_SIZE, st.size())
                .putLong(at + ATTR_BLOCKS, st.blocks())
                .putLong(at + ATTR_ATIME, Math.floorDiv(st.atimeNs(), 1_000_000_000L))
                .putLong(at + ATTR_MTIME, Math.floorDiv(st.mtimeNs(), 1_000_000_000L))
                .putLong(at + ATTR_CTIME, Math.floorDiv(st.ctimeNs(), 1_000_000_000L))
                .putInt(at + ATTR_ATIMENSEC, (int) Math.floorMod(st.atimeNs(), 1_000_000_000L))
                .putInt(at + ATTR_MTIMENSEC, (int) Math.floorMod(st.mtimeNs(), 1_000_000_000L))
                .putInt(at + ATTR_CTIMENSEC, (int) Math.floorMod(st.ctimeNs(), 1_000_000_000L))
                .putInt(at + ATTR_MODE, st.mode())
                .putInt(at + ATTR_NLINK, st.nlink())
                .putInt(at + ATTR_UID, st.uid())
                .putInt(at + ATTR_GID, st.gid())
                .putInt(at + ATTR_RDEV, st.rdev())
                .putInt(at + ATTR_BLKSIZE, st.blksize())
                .putInt(at + ATTR_BLKSIZE + 4, 0);
    }

    /** Writes a fuse_entry_out for {@code st} at {@code at}. */
    void entry(FuseReply r, int at, PfsStat st) {
        r.putLong(at + ENTRY_NODEID, st.ino())
                .putLong(at + ENTRY_GENERATION, 0)
                .putLong(at + ENTRY_VALID, entrySec)
                .putLong(at + ENTRY_ATTR_VALID, attrSec)
                .putInt(at + ENTRY_VALID_NSEC, entryNsec)
                .putInt(at + ENTRY_ATTR_VALID_NSEC, attrNsec);
        attr(r, at + ENTRY_ATTR, st);
    }

    /** Sends a fuse_entry_out for {@code st}. */
    void sendEntry(FuseReply r, PfsStat st) {
        entry(r, 0, st);
        r.send(ENTRY_LENGTH);
    }

    /** Sends a fuse_attr_out for {@code st}. */
    void sendAttr(FuseReply r, PfsStat st) {
        r.putLong(ATTR_OUT_VALID, attrSec).putInt(ATTR_OUT_VALID_NSEC, attrNsec).putInt(ATTR_OUT_VALID_NSEC + 4, 0);
        attr(r, ATTR_OUT_ATTR, st);
        r.send(ATTR_OUT_LENGTH);
    }

    /** @return the d_type of a directory entry (the S_IFMT bits shifted down, as Linux's DT_*) */
    static int direntType(FileType type) {
        return type.modeBits() >>> 12;
    }
}
