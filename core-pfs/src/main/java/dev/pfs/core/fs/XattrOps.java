package dev.pfs.core.fs;

import dev.pfs.core.Caller;
import dev.pfs.core.Errno;
import dev.pfs.core.FileType;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.layout.MetaSlotDescriptor;
import dev.pfs.core.meta.Inode;
import dev.pfs.core.meta.XattrTable;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The extended attribute calls: Linux's name, size and namespace rules and the permission
 * checks libpfs makes itself for its {@link Caller}, over the volume's {@link XattrTable}.
 * A change goes into the open transaction like any attribute change (ctime with it) and is
 * durable at the next commit; a large one is committed at once, in a journal record of its own.
 */
final class XattrOps {
    /**
     * Xattr slots one inode may hold: room for one value of the largest size plus a little, so
     * that setting, replacing or removing the attributes of one inode always fits one journal
     * record (a replacement rewrites slots in place; {@code MetaCommitter} keeps room for a
     * record of a quarter of the smallest journal).
     */
    static final int MAX_SLOTS_PER_INODE = XattrTable.partsFor(MetaSlotDescriptor.XATTR_NAME_MAX,
            MetaSlotDescriptor.XATTR_SIZE_MAX) + 16;
    /** A change touching more slots than this commits what was pending first, then itself. */
    private static final int LARGE_CHANGE = 16;
    private static final String USER = "user.";
    private static final String TRUSTED = "trusted.";
    private static final String SECURITY = "security.";

    private final FsState fs;

    XattrOps(FsState fs) {
        this.fs = fs;
    }

    private XattrTable table() {
        return fs.store.xattrs();
    }

    int get(Inode i, String name, ByteBuffer value, Caller caller) throws PfsException {
        String ns = namespace(name);
        if (ns.equals(TRUSTED) && !caller.isRoot()) {
            throw noData(name, i);
        }
        if (ns.equals(USER)) {
            if (!userAllowed(i)) {
                throw noData(name, i);
            }
            Permissions.check(i, caller, Permissions.READ, "read extended attribute " + name);
        }
        long head = table().head(i.ino, name);
        if (head < 0) {
            throw noData(name, i);
        }
        if (!table().complete(head)) {
            throw new PfsException(Errno.EIO, "extended attribute " + name + " of inode " + i.ino
                    + " is damaged (a part is missing); run pfs fsck");
        }
        return copyOut(table().value(head), value, "extended attribute " + name);
    }

    int list(Inode i, ByteBuffer list, Caller caller) throws PfsException {
        ByteArrayOutputStream names = new ByteArrayOutputStream();
        for (String name : table().names(i.ino).keySet()) {
            if (name.startsWith(TRUSTED) && !caller.isRoot()) {
                continue;
            }
            names.writeBytes(name.getBytes(StandardCharsets.UTF_8));
            names.write(0);
        }
        return copyOut(names.toByteArray(), list, "the extended attribute names of inode " + i.ino);
    }

    void set(Inode i, String name, ByteBuffer value, int flags, Caller caller, String what) throws PfsException {
        if ((flags & ~(Pfs.XATTR_CREATE | Pfs.XATTR_REPLACE)) != 0) {
            throw new PfsException(Errno.EINVAL, "bad setxattr flags " + flags + " for " + what);
        }
        if (value.remaining() > MetaSlotDescriptor.XATTR_SIZE_MAX) {
            throw new PfsException(Errno.E2BIG, "extended attribute value of " + value.remaining()
                    + " bytes for " + what + ": at most " + MetaSlotDescriptor.XATTR_SIZE_MAX);
        }
        checkChange("setxattr", i, name, caller, what);
        long head = table().head(i.ino, name);
        if (head >= 0 && (flags & Pfs.XATTR_CREATE) != 0) {
            throw new PfsException(Errno.EEXIST, "extended attribute " + name + " of " + what + " exists");
        }
        if (head < 0 && (flags & Pfs.XATTR_REPLACE) != 0) {
            throw noData(name, i);
        }
        if (table().freeSlots() + table().usedSlots() == 0) {
            throw new PfsException(Errno.EOPNOTSUPP, what + ": this volume (format version "
                    + fs.store.geometry().superblock().formatVersion() + ") has no room for extended attributes; "
                    + "volumes formatted by this pfs have");
        }
        int parts = XattrTable.partsFor(name.getBytes(StandardCharsets.UTF_8).length, value.remaining());
        int had = head < 0 ? 0 : table().chain(head).size();
        if (table().slotsOf(i.ino) - had + parts > MAX_SLOTS_PER_INODE) {
            throw new PfsException(Errno.ENOSPC, "no room for extended attribute " + name + " of " + what
                    + ": its attributes would take more than " + MAX_SLOTS_PER_INODE + " slots of "
                    + MetaSlotDescriptor.XATTR_PAYLOAD_MAX + " bytes");
        }
        if (parts - had > table().freeSlots()) {
            throw new PfsException(Errno.ENOSPC, "no free extended attribute slot for " + name + " of " + what);
        }
        byte[] v = new byte[value.remaining()];
        value.get(v);
        beginChange(Math.max(parts, had));
        table().set(fs.txn(), i.ino, name, v);
        endChange(i);
    }

    void remove(Inode i, String name, Caller caller, String what) throws PfsException {
        checkChange("removexattr", i, name, caller, what);
        long head = table().head(i.ino, name);
        if (head < 0) {
            throw noData(name, i);
        }
        beginChange(table().chain(head).size());
        table().remove(fs.txn(), head);
        endChange(i);
    }

    /** The checks of a set or remove: name, namespace, permission, a writable mount. */
    private void checkChange(String op, Inode i, String name, Caller caller, String what) throws PfsException {
        String ns = namespace(name);
        if ((ns.equals(TRUSTED) || ns.equals(SECURITY)) && !caller.isRoot()) {
            throw new PfsException(Errno.EPERM, "only root may change " + ns + "* attributes (" + name + " of "
                    + what + ")");
        }
        if (ns.equals(USER)) {
            if (!userAllowed(i)) {
                throw new PfsException(Errno.EPERM, "user.* attributes belong to regular files and directories only: "
                        + what);
            }
            if (i.isDir() && (i.mode & 01000) != 0 && i.uid != caller.uid() && !caller.isRoot()) {
                throw new PfsException(Errno.EPERM, "only the owner may change user.* attributes of the sticky "
                        + "directory " + what);
            }
            Permissions.check(i, caller, Permissions.WRITE, "change extended attribute " + name + " of " + what);
        }
        fs.checkWritable(op + " " + what);
    }

    private void beginChange(int slots) throws PfsException {
        if (slots > LARGE_CHANGE) {
            fs.commit();
        }
    }

    private void endChange(Inode i) throws PfsException {
        fs.txn().touchInode(i).ctimeNs = FsState.now();
        fs.commitIfLarge();
    }

    private static boolean userAllowed(Inode i) {
        return i.type() == FileType.REGULAR || i.type() == FileType.DIRECTORY;
    }

    /** @return the namespace prefix of {@code name}, after checking its length */
    private static String namespace(String name) throws PfsException {
        byte[] b = name == null ? new byte[0] : name.getBytes(StandardCharsets.UTF_8);
        if (b.length == 0 || b.length > MetaSlotDescriptor.XATTR_NAME_MAX) {
            throw new PfsException(Errno.ERANGE, "extended attribute name of " + b.length + " bytes: 1 to "
                    + MetaSlotDescriptor.XATTR_NAME_MAX);
        }
        if (name.indexOf('\0') >= 0) {
            throw new PfsException(Errno.EINVAL, "extended attribute name with a NUL byte");
        }
        for (String ns : new String[] {USER, TRUSTED, SECURITY}) {
            if (name.startsWith(ns)) {
                if (name.length() == ns.length()) {
                    throw new PfsException(Errno.EINVAL, "extended attribute name " + name + " without a name after "
                            + "its namespace");
                }
                return ns;
            }
        }
        throw new PfsException(Errno.EOPNOTSUPP, "extended attribute " + name + ": only the user., trusted. and "
                + "security. namespaces are supported (no POSIX ACLs)");
    }

    private static PfsException noData(String name, Inode i) {
        return new PfsException(Errno.ENODATA, "no extended attribute " + name + " on inode " + i.ino);
    }

    private static int copyOut(byte[] bytes, ByteBuffer dst, String what) throws PfsException {
        if (!dst.hasRemaining()) {
            return bytes.length;
        }
        if (dst.remaining() < bytes.length) {
            throw new PfsException(Errno.ERANGE, what + " takes " + bytes.length + " bytes, the buffer has "
                    + dst.remaining());
        }
        dst.put(bytes);
        return bytes.length;
    }
}
