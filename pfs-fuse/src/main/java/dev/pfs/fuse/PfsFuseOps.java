package dev.pfs.fuse;

import static dev.pfs.fuse.kernel.FuseRequestDescriptor.*;

import dev.pfs.core.Errno;
import dev.pfs.core.OpenFlags;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.fuse.kernel.FuseHandler;
import dev.pfs.fuse.kernel.FuseOpcode;
import dev.pfs.fuse.kernel.FuseReply;
import dev.pfs.fuse.kernel.FuseRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FUSE low-level (inode) operations on libpfs: each kernel request dispatched to the class
 * that does its job, and a failure answered with the {@link PfsException}'s errno.
 *
 * <ul>
 *   <li>{@link NodeLookup}: LOOKUP and FORGET, the exact kernel references and pins of nodes
 *       ({@link NodeTable});</li>
 *   <li>{@link AttributeOps}: GETATTR, SETATTR, ACCESS, STATFS, with {@link SetIdBits} for the
 *       privileges a changed file loses (FUSE_HANDLE_KILLPRIV_V2);</li>
 *   <li>{@link NamespaceOps}: names made, removed, moved and linked;</li>
 *   <li>{@link OpenFileOps} and {@link FileDataOps}: handles ({@link OpenHandles}) and I/O;</li>
 *   <li>{@link DirectoryOps}: READDIR(PLUS); {@link XattrOps}: extended attributes.</li>
 * </ul>
 *
 * <p>Calls that resolve names run under the {@link PathLock} a rename takes exclusively, so no
 * path is computed while a directory moves. flock and fcntl locks are left to the kernel, which
 * keeps them locally, right for the single RW mount; IOCTL is ENOTTY.
 */
final class PfsFuseOps implements FuseHandler {
    private static final Logger LOG = LoggerFactory.getLogger(PfsFuseOps.class);
    private static final int ENOSYS = 38;
    private static final int ENOTTY = 25;

    private final NodeTable nodes;
    private final PathLock paths = new PathLock();
    private final NodeLookup lookup;
    private final AttributeOps attributes;
    private final NamespaceOps names;
    private final OpenFileOps files;
    private final FileDataOps data;
    private final DirectoryOps dirs;
    private final XattrOps xattrs;

    PfsFuseOps(Pfs pfs, FuseMountOptions options) throws PfsException {
        this.nodes = new NodeTable(pfs.open("/", OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY, 0));
        AttrReplies attrs = new AttrReplies(options.attrTimeout(), options.entryTimeout());
        OpenHandles handles = new OpenHandles(pfs.isReadWrite());
        SetIdBits setId = new SetIdBits(pfs, new CallerGroups());
        WritebackErrors writebackErrors = new WritebackErrors();
        this.lookup = new NodeLookup(pfs, nodes);
        this.attributes = new AttributeOps(pfs, lookup, attrs, setId);
        this.names = new NamespaceOps(pfs, lookup, nodes, attrs, paths);
        this.files = new OpenFileOps(pfs, lookup, attrs, handles, setId, writebackErrors);
        this.data = new FileDataOps(pfs, handles, setId, writebackErrors);
        this.dirs = new DirectoryOps(pfs, lookup, attrs, handles);
        this.xattrs = new XattrOps(pfs, lookup);
    }

    /** @return the node table (tests) */
    NodeTable nodes() {
        return nodes;
    }

    @Override
    public void handle(FuseRequest req, FuseReply reply) throws Exception {
        int op = req.opcode();
        try {
            dispatch(op, req, reply);
        } catch (PfsException e) {
            if (e.errno() == Errno.EIO) {
                LOG.warn("FUSE opcode {} on node {}: {}", op, req.nodeId(), e.getMessage());
            }
            if (!FuseOpcode.noReply(op) && !reply.sent()) {
                reply.error(e.errno().code());
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("FUSE opcode {} on node {}: malformed request: {}", op, req.nodeId(), e.getMessage());
            if (!FuseOpcode.noReply(op) && !reply.sent()) {
                reply.error(Errno.EINVAL.code());
            }
        }
    }

    private void dispatch(int op, FuseRequest req, FuseReply reply) throws PfsException {
        switch (op) {
            case FuseOpcode.LOOKUP -> paths.shared(() -> names.lookup(req, reply));
            case FuseOpcode.FORGET -> lookup.forget(req.nodeId(), req.bodyLong(FORGET_NLOOKUP));
            case FuseOpcode.BATCH_FORGET -> lookup.batchForget(req);
            case FuseOpcode.GETATTR -> attributes.getattr(req, reply);
            case FuseOpcode.SETATTR -> paths.shared(() -> attributes.setattr(req, reply));
            case FuseOpcode.READLINK -> paths.shared(() -> names.readlink(req, reply));
            case FuseOpcode.MKNOD -> paths.shared(() -> names.mknod(req, reply));
            case FuseOpcode.MKDIR -> paths.shared(() -> names.mkdir(req, reply));
            case FuseOpcode.SYMLINK -> paths.shared(() -> names.symlink(req, reply));
            case FuseOpcode.UNLINK, FuseOpcode.RMDIR -> paths.shared(() -> names.remove(req, reply,
                    op == FuseOpcode.RMDIR));
            case FuseOpcode.RENAME -> names.rename(req, reply, req.bodyLong(RENAME_NEWDIR), RENAME_NAMES, 0);
            case FuseOpcode.RENAME2 -> names.rename(req, reply, req.bodyLong(RENAME_NEWDIR), RENAME2_NAMES,
                    req.bodyInt(RENAME2_FLAGS));
            case FuseOpcode.LINK -> paths.shared(() -> names.link(req, reply));
            case FuseOpcode.OPEN, FuseOpcode.OPENDIR -> files.open(req, reply);
            case FuseOpcode.CREATE -> paths.shared(() -> files.create(req, reply));
            case FuseOpcode.READ -> data.read(req, reply);
            case FuseOpcode.WRITE -> data.write(req, reply);
            case FuseOpcode.STATFS -> attributes.statfs(reply);
            case FuseOpcode.RELEASE, FuseOpcode.RELEASEDIR -> files.release(req, reply);
            case FuseOpcode.FLUSH -> files.flush(req, reply);
            case FuseOpcode.FSYNC, FuseOpcode.FSYNCDIR -> files.fsync(req, reply);
            case FuseOpcode.READDIR, FuseOpcode.READDIRPLUS -> paths.shared(() -> dirs.readdir(req, reply,
                    op == FuseOpcode.READDIRPLUS));
            case FuseOpcode.ACCESS -> attributes.access(req, reply);
            case FuseOpcode.FALLOCATE -> data.fallocate(req, reply);
            case FuseOpcode.LSEEK -> data.lseek(req, reply);
            case FuseOpcode.COPY_FILE_RANGE -> data.copyFileRange(req, reply);
            case FuseOpcode.GETXATTR -> paths.shared(() -> xattrs.getxattr(req, reply));
            case FuseOpcode.LISTXATTR -> paths.shared(() -> xattrs.listxattr(req, reply));
            case FuseOpcode.SETXATTR -> paths.shared(() -> xattrs.setxattr(req, reply));
            case FuseOpcode.REMOVEXATTR -> paths.shared(() -> xattrs.removexattr(req, reply));
            case FuseOpcode.IOCTL -> reply.error(ENOTTY);
            case FuseOpcode.DESTROY -> reply.send(0);
            case FuseOpcode.INTERRUPT -> { }
            default -> reply.error(ENOSYS);
        }
    }
}
