package dev.pfs.core.layout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The slots of a 4 KB metaobject sector. A sector holds 32 inodes, 8 direntries, 128 block
 * tags or 8 extended attribute pieces; every slot size divides 512, so a slot never straddles an atomic sector and a torn
 * sector write leaves each slot either old or new. An all-zero slot is free; a used slot
 * starts with its type's magic and ends with a CRC32C of the rest. Little-endian.
 *
 * <pre>
 * inode (128 B):    0 magic "INOD" | 4 mode | 8 nlink | 12 uid | 16 gid | 20 zero
 *                   24 size u64 | 32 atime | 40 mtime | 48 ctime (ns) | 56 generation u64
 *                   64 rdev | 68..123 zero | 124 crc
 * direntry (512 B): 0 magic "DENT" | 4 name length | 8 parent ino u64 | 16 child ino u64
 *                   24 name (UTF-8, up to 255 B) | ... zero | 508 crc
 * block tag (32 B): 0 magic "BTAG" | 4 flags (1 = unwritten, reads as zeros)
 *                   8 owner ino u64 | 16 file block index u64 | 24 zero | 28 crc
 * xattr (512 B):    0 magic "XATR" | 4 part u16 | 6 parts u16 | 8 owner ino u64
 *                   16 head id u64 (the slot of part 0) | 24 name length u16 | 26 zero u16
 *                   28 value length u32 | 32 payload length u32 | 36 payload | ... zero | 508 crc
 * </pre>
 * An extended attribute is a chain of {@code parts} xattr slots of one owner inode: the payload
 * of part 0 is the name then the start of the value, each later part carries the next bytes of
 * the value. All parts of one attribute change in one transaction.
 */
public final class MetaSlotDescriptor {
    /** Magic of a used inode slot. */
    public static final int INODE_MAGIC = 0x444f4e49;
    /** Magic of a used direntry slot. */
    public static final int DIRENT_MAGIC = 0x544e4544;
    /** Magic of a used block tag slot. */
    public static final int TAG_MAGIC = 0x47415442;
    /** Magic of a used xattr slot. */
    public static final int XATTR_MAGIC = 0x52544158;

    public static final int INODE_MODE = 4;
    public static final int INODE_NLINK = 8;
    public static final int INODE_UID = 12;
    public static final int INODE_GID = 16;
    public static final int INODE_SIZE = 24;
    public static final int INODE_ATIME = 32;
    public static final int INODE_MTIME = 40;
    public static final int INODE_CTIME = 48;
    /** Distinguishes the successive files of one inode slot: a descriptor of an older one is stale. */
    public static final int INODE_GENERATION = 56;
    /** Device number of a device inode (zero on volumes formatted before devices existed). */
    public static final int INODE_RDEV = 64;

    public static final int DIRENT_NAME_LENGTH = 4;
    public static final int DIRENT_PARENT = 8;
    public static final int DIRENT_CHILD = 16;
    public static final int DIRENT_NAME = 24;
    /** Longest name a direntry holds. */
    public static final int NAME_MAX = 255;

    public static final int TAG_FLAGS = 4;
    public static final int TAG_OWNER = 8;
    public static final int TAG_INDEX = 16;
    /** Tag flag: the block is allocated (fallocate) but never written; it reads as zeros. */
    public static final int TAG_UNWRITTEN = 1;

    public static final int XATTR_PART = 4;
    public static final int XATTR_PARTS = 6;
    public static final int XATTR_OWNER = 8;
    public static final int XATTR_HEAD = 16;
    public static final int XATTR_NAME_LENGTH = 24;
    public static final int XATTR_VALUE_LENGTH = 28;
    public static final int XATTR_PAYLOAD_LENGTH = 32;
    public static final int XATTR_PAYLOAD = 36;
    /** Payload bytes one xattr slot holds. */
    public static final int XATTR_PAYLOAD_MAX = 508 - XATTR_PAYLOAD;
    /** Longest extended attribute name (Linux's XATTR_NAME_MAX). */
    public static final int XATTR_NAME_MAX = 255;
    /** Largest extended attribute value (Linux's XATTR_SIZE_MAX). */
    public static final int XATTR_SIZE_MAX = 65536;

    private MetaSlotDescriptor() {
    }

    /** @return a zeroed little-endian slot buffer of {@code type} with its magic set */
    public static ByteBuffer newSlot(MetaType type) {
        ByteBuffer b = ByteBuffer.wrap(new byte[type.slotSize()]).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, magic(type));
        return b;
    }

    /** Writes the CRC of a slot built with {@link #newSlot}. */
    public static byte[] seal(ByteBuffer slot) {
        byte[] a = slot.array();
        slot.putInt(a.length - 4, crc(a));
        return a;
    }

    /** @return whether the slot image is all zero (free) */
    public static boolean isFree(byte[] slot) {
        for (byte x : slot) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks a used slot.
     *
     * @return null when valid, else what is wrong
     */
    public static String check(MetaType type, byte[] slot) {
        ByteBuffer b = ByteBuffer.wrap(slot).order(ByteOrder.LITTLE_ENDIAN);
        if (slot.length != type.slotSize()) {
            return "slot of " + slot.length + " bytes";
        }
        if (b.getInt(0) != magic(type)) {
            return "bad magic " + Integer.toHexString(b.getInt(0));
        }
        if (b.getInt(slot.length - 4) != crc(slot)) {
            return "checksum mismatch";
        }
        if (type == MetaType.DIRENT) {
            int len = b.getInt(DIRENT_NAME_LENGTH);
            if (len <= 0 || len > NAME_MAX) {
                return "name length " + len;
            }
        }
        if (type == MetaType.XATTR) {
            return checkXattr(b);
        }
        return null;
    }

    private static String checkXattr(ByteBuffer b) {
        int part = Short.toUnsignedInt(b.getShort(XATTR_PART));
        int parts = Short.toUnsignedInt(b.getShort(XATTR_PARTS));
        int name = Short.toUnsignedInt(b.getShort(XATTR_NAME_LENGTH));
        int value = b.getInt(XATTR_VALUE_LENGTH);
        int payload = b.getInt(XATTR_PAYLOAD_LENGTH);
        if (parts == 0 || part >= parts) {
            return "xattr part " + part + " of " + parts;
        }
        if (name == 0 || name > XATTR_NAME_MAX || value < 0 || value > XATTR_SIZE_MAX) {
            return "xattr name length " + name + ", value length " + value;
        }
        if (payload < 0 || payload > XATTR_PAYLOAD_MAX || (part == 0 && payload < Math.min(name, XATTR_PAYLOAD_MAX))) {
            return "xattr payload length " + payload;
        }
        if (b.getLong(XATTR_OWNER) <= 0) {
            return "xattr owner inode " + b.getLong(XATTR_OWNER);
        }
        return null;
    }

    private static int magic(MetaType type) {
        return switch (type) {
            case INODE -> INODE_MAGIC;
            case DIRENT -> DIRENT_MAGIC;
            case TAG -> TAG_MAGIC;
            case XATTR -> XATTR_MAGIC;
        };
    }

    private static int crc(byte[] slot) {
        CRC32C c = new CRC32C();
        c.update(slot, 0, slot.length - 4);
        return (int) c.getValue();
    }
}
