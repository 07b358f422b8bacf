package dev.pfs.fuse;

import static dev.pfs.fuse.kernel.FuseRequestDescriptor.*;

import dev.pfs.core.DirEntry;
import dev.pfs.core.Errno;
import dev.pfs.core.FileType;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.fuse.kernel.FuseReply;
import dev.pfs.fuse.kernel.FuseReplyDescriptor;
import dev.pfs.fuse.kernel.FuseRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * READDIR and READDIRPLUS: the listing of an open directory, taken at offset 0 and paged
 * through by entry index (the offset of an entry is its index plus one). READDIRPLUS looks up
 * each entry, so the kernel counts a reference to each node it fills.
 */
final class DirectoryOps {
    private final Pfs pfs;
    private final NodeLookup lookup;
    private final AttrReplies attrs;
    private final OpenHandles handles;

    DirectoryOps(Pfs pfs, NodeLookup lookup, AttrReplies attrs, OpenHandles handles) {
        this.pfs = pfs;
        this.lookup = lookup;
        this.attrs = attrs;
        this.handles = handles;
    }

    void readdir(FuseRequest req, FuseReply reply, boolean plus) throws PfsException {
        OpenHandles.Handle h = handles.get(req.bodyLong(IO_FH));
        long offset = req.bodyLong(IO_OFFSET);
        int size = Math.min(req.bodyInt(IO_SIZE), reply.capacity());
        List<DirEntry> listing = h.listing;
        if (listing == null || offset == 0) {
            listing = list(h.node);
            h.listing = listing;
        }
        int at = 0;
        for (int i = (int) offset; i < listing.size(); i++) {
            DirEntry e = listing.get(i);
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            int direntAt = plus ? at + FuseReplyDescriptor.ENTRY_LENGTH : at;
            int end = direntAt + FuseReplyDescriptor.direntSize(name.length);
            if (end > size) {
                break;
            }
            if (plus) {
                reply.zero(at, FuseReplyDescriptor.ENTRY_LENGTH);
                if (i >= 2 && !plusEntry(reply, at, h.node.ino, e.name())) {
                    continue;
                }
            }
            reply.putLong(direntAt + FuseReplyDescriptor.DIRENT_INO, e.ino())
                    .putLong(direntAt + FuseReplyDescriptor.DIRENT_OFF, i + 1)
                    .putInt(direntAt + FuseReplyDescriptor.DIRENT_NAMELEN, name.length)
                    .putInt(direntAt + FuseReplyDescriptor.DIRENT_TYPE, AttrReplies.direntType(e.type()))
                    .putBytes(direntAt + FuseReplyDescriptor.DIRENT_NAME, name)
                    .zero(direntAt + FuseReplyDescriptor.DIRENT_NAME + name.length,
                            end - direntAt - FuseReplyDescriptor.DIRENT_NAME - name.length);
            at = end;
        }
        reply.send(at);
    }

    /** Fills the entry of a readdirplus item, counting the lookup; false if the name went meanwhile. */
    private boolean plusEntry(FuseReply reply, int at, long dir, String name) throws PfsException {
        try {
            attrs.entry(reply, at, lookup.lookup(dir, name));
            return true;
        } catch (PfsException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    /** @return ".", ".." and the entries of directory node {@code dir} */
    private List<DirEntry> list(NodeTable.Node dir) throws PfsException {
        String path = lookup.pathOf(dir);
        List<DirEntry> out = new ArrayList<>();
        out.add(new DirEntry(".", dir.ino, FileType.DIRECTORY));
        long parent = dir.ino == NodeTable.ROOT ? NodeTable.ROOT : dir.parent;
        out.add(new DirEntry("..", parent, FileType.DIRECTORY));
        out.addAll(pfs.readdir(path));
        return out;
    }
}
