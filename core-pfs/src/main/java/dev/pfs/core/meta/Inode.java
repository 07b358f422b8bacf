package dev.pfs.core.meta;

import dev.pfs.core.FileType;
import dev.pfs.core.layout.MetaSlotDescriptor;
import dev.pfs.core.layout.MetaType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The attributes of a used inode slot, mutable under the file system's lock. Change it only
 * after {@link Txn#touchInode} so the transaction holds its old image.
 */
public final class Inode {
    /** Inode number: slot id + 1, so 0 never names an inode; the root is 1. */
    public final long ino;
    public int mode;
    public int nlink;
    public int uid;
    public int gid;
    public long size;
    public long atimeNs;
    public long mtimeNs;
    public long ctimeNs;
    /** Set once at creation; never the same twice for one slot (see {@code FsState#nextGeneration}). */
    public long generation;
    /** Device number of a character or block device, else 0. */
    public int rdev;

    Inode(long ino) {
        this.ino = ino;
    }

    /** @return the type from the mode bits */
    public FileType type() {
        FileType t = FileType.ofMode(mode);
        return t == null ? FileType.REGULAR : t;
    }

    /** @return whether this is a directory */
    public boolean isDir() {
        return type() == FileType.DIRECTORY;
    }

    byte[] encode() {
        ByteBuffer b = MetaSlotDescriptor.newSlot(MetaType.INODE);
        b.putInt(MetaSlotDescriptor.INODE_MODE, mode);
        b.putInt(MetaSlotDescriptor.INODE_NLINK, nlink);
        b.putInt(MetaSlotDescriptor.INODE_UID, uid);
        b.putInt(MetaSlotDescriptor.INODE_GID, gid);
        b.putLong(MetaSlotDescriptor.INODE_SIZE, size);
        b.putLong(MetaSlotDescriptor.INODE_ATIME, atimeNs);
        b.putLong(MetaSlotDescriptor.INODE_MTIME, mtimeNs);
        b.putLong(MetaSlotDescriptor.INODE_CTIME, ctimeNs);
        b.putLong(MetaSlotDescriptor.INODE_GENERATION, generation);
        b.putInt(MetaSlotDescriptor.INODE_RDEV, rdev);
        return MetaSlotDescriptor.seal(b);
    }

    void decode(byte[] image) {
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        mode = b.getInt(MetaSlotDescriptor.INODE_MODE);
        nlink = b.getInt(MetaSlotDescriptor.INODE_NLINK);
        uid = b.getInt(MetaSlotDescriptor.INODE_UID);
        gid = b.getInt(MetaSlotDescriptor.INODE_GID);
        size = b.getLong(MetaSlotDescriptor.INODE_SIZE);
        atimeNs = b.getLong(MetaSlotDescriptor.INODE_ATIME);
        mtimeNs = b.getLong(MetaSlotDescriptor.INODE_MTIME);
        ctimeNs = b.getLong(MetaSlotDescriptor.INODE_CTIME);
        generation = b.getLong(MetaSlotDescriptor.INODE_GENERATION);
        rdev = b.getInt(MetaSlotDescriptor.INODE_RDEV);
    }
}
