package dev.pfs.core.meta;

import dev.pfs.core.layout.MetaType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A metadata transaction: the old image of every metaobject it touches, taken before the first
 * change. Committing writes old and new images to the journal. There is no rollback: a change
 * a caller saw is never undone (a failed commit aborts the mount instead).
 */
public final class Txn {
    /** A touched metaobject. */
    public record Key(MetaType type, long id) {
    }

    /** A metaobject's images, as the journal records them. */
    public record Change(MetaType type, long id, byte[] oldImage, byte[] newImage) {
    }

    private final MetaStore store;
    private final Map<Key, byte[]> oldImages = new LinkedHashMap<>();
    private boolean needsCommit;
    private long recordBytes;

    Txn(MetaStore store) {
        this.store = store;
    }

    /** Records the old image of {@code (type, id)} if this transaction has not yet touched it. */
    public void touch(MetaType type, long id) {
        oldImages.computeIfAbsent(new Key(type, id), k -> image(type, id));
        store.markDirty(type, id);
        needsCommit = true;
    }

    /** Records the old image of an inode before a change to its attributes. */
    public Inode touchInode(Inode inode) {
        touch(MetaType.INODE, inode.ino - 1);
        return inode;
    }

    /** Includes an inode whose attribute-only change (mtime) rides along without forcing a commit. */
    public void includeLazily(Inode inode) {
        oldImages.computeIfAbsent(new Key(MetaType.INODE, inode.ino - 1), k -> image(MetaType.INODE, k.id()));
        store.markDirty(MetaType.INODE, inode.ino - 1);
    }

    private byte[] image(MetaType type, long id) {
        recordBytes += 16 + 2L * type.slotSize();
        return store.encode(type, id);
    }

    /** @return about the bytes of the journal record this transaction would make */
    public long recordBytes() {
        return recordBytes;
    }

    /** @return whether anything other than lazy attributes changed */
    public boolean needsCommit() {
        return needsCommit;
    }

    /** @return whether nothing was touched */
    public boolean isEmpty() {
        return oldImages.isEmpty();
    }

    /** @return metaobjects touched */
    public int size() {
        return oldImages.size();
    }

    /** @return the touched keys in touch order */
    public List<Key> keys() {
        return new ArrayList<>(oldImages.keySet());
    }

    /** @return the old and new image of every touched metaobject, in touch order */
    public List<Change> changes() {
        List<Change> out = new ArrayList<>(oldImages.size());
        oldImages.forEach((k, old) -> out.add(new Change(k.type(), k.id(), old, store.encode(k.type(), k.id()))));
        return out;
    }

    /** Forgets the images after a durable commit. */
    public void clear() {
        oldImages.clear();
        needsCommit = false;
        recordBytes = 0;
    }
}
