package dev.pfs.fuse;

import static dev.pfs.fuse.kernel.FuseRequestDescriptor.*;

import dev.pfs.core.Errno;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.fuse.kernel.FuseReply;
import dev.pfs.fuse.kernel.FuseReplyDescriptor;
import dev.pfs.fuse.kernel.FuseRequest;
import java.nio.ByteBuffer;

/**
 * The data of open files: READ, WRITE, FALLOCATE, LSEEK and COPY_FILE_RANGE on the pin of the
 * handle's node. The request buffer goes to libpfs as it is (no copy), and replies are read
 * into the reply buffer in place. A write's I/O failure is remembered for fsync.
 */
final class FileDataOps {
    /** Most bytes one COPY_FILE_RANGE copies (a short copy is legal: callers loop). */
    static final long MAX_COPY = 64L << 20;

    private final Pfs pfs;
    private final OpenHandles handles;
    private final SetIdBits setId;
    private final WritebackErrors writebackErrors;

    FileDataOps(Pfs pfs, OpenHandles handles, SetIdBits setId, WritebackErrors writebackErrors) {
        this.pfs = pfs;
        this.handles = handles;
        this.setId = setId;
        this.writebackErrors = writebackErrors;
    }

    void read(FuseRequest req, FuseReply reply) throws PfsException {
        OpenHandles.Handle h = handles.get(req.bodyLong(IO_FH));
        int size = Math.min(req.bodyInt(IO_SIZE), reply.capacity());
        ByteBuffer dst = reply.body(0, size);
        long pos = req.bodyLong(IO_OFFSET);
        while (dst.hasRemaining()) {
            int n = pfs.pread(h.node.pin, dst, pos);
            if (n <= 0) {
                break;
            }
            pos += n;
        }
        reply.send(dst.position());
    }

    void write(FuseRequest req, FuseReply reply) throws PfsException {
        OpenHandles.Handle h = handles.get(req.bodyLong(IO_FH));
        ByteBuffer src = req.bodyBytes(WRITE_DATA, req.bodyInt(IO_SIZE));
        long pos = req.bodyLong(IO_OFFSET);
        if ((req.bodyInt(WRITE_FLAGS) & FUSE_WRITE_KILL_SUIDGID) != 0) {
            setId.killOnWrite(h.node, req);
        }
        try {
            while (src.hasRemaining()) {
                pos += pfs.pwrite(h.node.pin, src, pos);
            }
        } catch (PfsException e) {
            writebackErrors.record(h.node.ino, e.errno());
            throw e;
        }
        reply.putInt(0, src.position()).putInt(4, 0);
        reply.send(FuseReplyDescriptor.WRITE_LENGTH);
    }

    void fallocate(FuseRequest req, FuseReply reply) throws PfsException {
        OpenHandles.Handle h = handles.get(req.bodyLong(FALLOCATE_FH));
        pfs.fallocate(h.node.pin, req.bodyInt(FALLOCATE_MODE), req.bodyLong(FALLOCATE_OFFSET),
                req.bodyLong(FALLOCATE_LENGTH));
        reply.send(0);
    }

    /** SEEK_DATA / SEEK_HOLE (the kernel does SEEK_SET/CUR/END itself), from libpfs's block map. */
    void lseek(FuseRequest req, FuseReply reply) throws PfsException {
        OpenHandles.Handle h = handles.get(req.bodyLong(LSEEK_FH));
        int whence = req.bodyInt(LSEEK_WHENCE);
        if (whence != OpenFlags.SEEK_DATA && whence != OpenFlags.SEEK_HOLE) {
            reply.error(Errno.EINVAL.code());
            return;
        }
        reply.putLong(0, pfs.lseek(h.node.pin, req.bodyLong(LSEEK_OFFSET), whence));
        reply.send(8);
    }

    /**
     * copy_file_range(2) between two open files of the mount: read and written here in pieces
     * the size of the reply buffer (which serves as the scratch space), so the data crosses
     * the kernel boundary once instead of in a READ and a WRITE per page run.
     */
    void copyFileRange(FuseRequest req, FuseReply reply) throws PfsException {
        OpenHandles.Handle in = handles.get(req.bodyLong(COPY_FH_IN));
        OpenHandles.Handle out = handles.get(req.bodyLong(COPY_FH_OUT));
        if (req.bodyLong(COPY_FLAGS) != 0) {
            throw new PfsException(Errno.EINVAL, "copy_file_range flags " + req.bodyLong(COPY_FLAGS));
        }
        long from = req.bodyLong(COPY_OFF_IN);
        long to = req.bodyLong(COPY_OFF_OUT);
        long len = Math.min(req.bodyLong(COPY_LEN), MAX_COPY);
        int scratch = reply.capacity() - FuseReplyDescriptor.WRITE_LENGTH;
        long done = 0;
        while (done < len) {
            ByteBuffer piece = reply.body(FuseReplyDescriptor.WRITE_LENGTH, (int) Math.min(len - done, scratch));
            int n = pfs.pread(in.node.pin, piece, from + done);
            if (n <= 0) {
                break;
            }
            piece.flip();
            long at = to + done;
            try {
                while (piece.hasRemaining()) {
                    at += pfs.pwrite(out.node.pin, piece, at);
                }
            } catch (PfsException e) {
                writebackErrors.record(out.node.ino, e.errno());
                throw e;
            }
            done += n;
        }
        reply.putInt(0, (int) done).putInt(4, 0);
        reply.send(FuseReplyDescriptor.WRITE_LENGTH);
    }
}
