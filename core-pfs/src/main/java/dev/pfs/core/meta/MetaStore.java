package dev.pfs.core.meta;

import dev.pfs.core.layout.ChunkDescriptor;
import dev.pfs.core.layout.MetaSlotDescriptor;
import dev.pfs.core.layout.MetaType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every metaobject of the volume, held in memory after mount, with the indexes the file
 * system needs (directory entries by name, file blocks by index, free slots). The slot image
 * is the truth: {@link #apply} installs an image and updates the indexes, which is what mount
 * (loading sectors), journal replay and RO tailing all do. Not thread-safe: the
 * file system's lock guards it.
 */
public final class MetaStore {
    private ChunkDescriptor geometry;
    private final Map<Long, Inode> inodes = new HashMap<>();
    private final Map<Long, Dirent> dirents = new HashMap<>();
    private final Map<Long, TreeMap<String, Long>> dirIndex = new HashMap<>();
    private final Map<Long, Long> direntOfChild = new HashMap<>();
    private final Map<Long, TreeMap<Long, Long>> blockIndex = new HashMap<>();
    private long[] tagOwner;
    private long[] tagIndex;
    private byte[] tagFlags;
    private final BitSet inodesUsed = new BitSet();
    private final BitSet direntsUsed = new BitSet();
    /** Tags the allocator may not hand out: owned, unusable, held back after a free, or reserved. */
    private final BitSet tagsBusy = new BitSet();
    /** Tags a data write in flight took ({@link #reserveTagNear}), not yet owned. */
    private final BitSet tagsReserved = new BitSet();
    private long reserved;
    private long tagsUsed;
    private long usableTags;
    private final Set<Txn.Key> dirtySectors = new HashSet<>();
    private final BlockQuarantine quarantine = new BlockQuarantine();
    private final XattrTable xattrs = new XattrTable(this);
    private long inodeCursor;
    private long direntCursor;
    private long tagCursor;

    /** An empty store for the geometry {@code geometry}. */
    public MetaStore(ChunkDescriptor geometry) {
        resize(geometry);
    }

    /** @return the geometry */
    public ChunkDescriptor geometry() {
        return geometry;
    }

    /**
     * Adopts a grown geometry: more chunks, more usable blocks. Tags that were usable keep
     * their allocator state (held back from reuse, or reserved by a write in flight).
     */
    public void resize(ChunkDescriptor g) {
        ChunkDescriptor before = this.geometry;
        int oldSlots = tagOwner == null ? 0 : tagOwner.length;
        this.geometry = g;
        int slots = g.chunks() * g.perChunk(MetaType.TAG);
        long[] owner = new long[slots];
        long[] index = new long[slots];
        byte[] flags = new byte[slots];
        if (tagOwner != null) {
            System.arraycopy(tagOwner, 0, owner, 0, Math.min(tagOwner.length, slots));
            System.arraycopy(tagIndex, 0, index, 0, Math.min(tagIndex.length, slots));
            System.arraycopy(tagFlags, 0, flags, 0, Math.min(tagFlags.length, slots));
        }
        tagOwner = owner;
        tagIndex = index;
        tagFlags = flags;
        usableTags = 0;
        for (int t = 0; t < slots; t++) {
            boolean wasUsable = t < oldSlots && before.usableTag(t);
            if (g.usableTag(t)) {
                usableTags++;
                if (!wasUsable) {
                    tagsBusy.set(t, tagOwner[t] != 0);
                }
            } else {
                tagsBusy.set(t);
            }
        }
    }

    /** @return total slots of {@code type} */
    public long slots(MetaType type) {
        return (long) geometry.chunks() * geometry.perChunk(type);
    }

    // ---- queries

    /** @return the inode, or null if {@code ino} is free */
    public Inode inode(long ino) {
        return inodes.get(ino);
    }

    /** @return every used inode (a live view) */
    public Map<Long, Inode> inodes() {
        return Collections.unmodifiableMap(inodes);
    }

    /** @return the extended attributes of every inode */
    public XattrTable xattrs() {
        return xattrs;
    }

    /** @return every used direntry (a live view) */
    public Map<Long, Dirent> dirents() {
        return Collections.unmodifiableMap(dirents);
    }

    /** @return name to direntry id of directory {@code dir} (empty if none) */
    public NavigableMap<String, Long> entries(long dir) {
        TreeMap<String, Long> m = dirIndex.get(dir);
        return m == null ? Collections.emptyNavigableMap() : Collections.unmodifiableNavigableMap(m);
    }

    /** @return the direntry naming {@code name} in {@code dir}, or null */
    public Dirent lookup(long dir, String name) {
        TreeMap<String, Long> m = dirIndex.get(dir);
        Long id = m == null ? null : m.get(name);
        return id == null ? null : dirents.get(id);
    }

    /** @return a direntry naming {@code ino} (the only one for a directory), or null */
    public Dirent direntOf(long ino) {
        Long id = direntOfChild.get(ino);
        return id == null ? null : dirents.get(id);
    }

    /** @return file block index to tag of {@code ino} (empty if none) */
    public NavigableMap<Long, Long> blocks(long ino) {
        TreeMap<Long, Long> m = blockIndex.get(ino);
        return m == null ? Collections.emptyNavigableMap() : Collections.unmodifiableNavigableMap(m);
    }

    /** @return the tag holding block {@code index} of {@code ino}, or -1 for a hole */
    public long tagOf(long ino, long index) {
        TreeMap<Long, Long> m = blockIndex.get(ino);
        Long t = m == null ? null : m.get(index);
        return t == null ? -1 : t;
    }

    /** @return owner inode of tag {@code t}, 0 if free */
    public long tagOwner(long t) {
        return tagOwner[(int) t];
    }

    /** @return the file block index tag {@code t} holds */
    public long tagIndex(long t) {
        return tagIndex[(int) t];
    }

    /** @return whether tag {@code t} is allocated but unwritten */
    public boolean unwritten(long t) {
        return (tagFlags[(int) t] & MetaSlotDescriptor.TAG_UNWRITTEN) != 0;
    }

    /** @return data blocks in use */
    public long usedBlocks() {
        return tagsUsed;
    }

    /** @return data blocks the allocator may hand out now */
    public long freeBlocks() {
        return usableTags - tagsUsed - quarantine.size() - reserved;
    }

    /** @return data blocks freed but not yet reusable ({@link #reuseDelay}) */
    public long coolingBlocks() {
        return quarantine.size();
    }

    /** @return usable data blocks */
    public long totalBlocks() {
        return usableTags;
    }

    /** @return inodes in use */
    public long usedInodes() {
        return inodes.size();
    }

    /** @return free direntry slots */
    public long freeDirents() {
        return slots(MetaType.DIRENT) - dirents.size();
    }

    // ---- mutations inside a transaction

    /** Allocates and initialises an inode; ENOSPC is the caller's check ({@link #usedInodes}). */
    public Inode newInode(Txn txn, int mode, int uid, int gid, long nowNs, long generation) {
        long id = nextFree(inodesUsed, slots(MetaType.INODE), inodeCursor);
        inodeCursor = id + 1;
        txn.touch(MetaType.INODE, id);
        Inode ino = new Inode(id + 1);
        ino.mode = mode;
        ino.nlink = 1;
        ino.uid = uid;
        ino.gid = gid;
        ino.atimeNs = nowNs;
        ino.mtimeNs = nowNs;
        ino.ctimeNs = nowNs;
        ino.generation = generation;
        apply(MetaType.INODE, id, ino.encode());
        return inodes.get(id + 1);
    }

    /** Frees an inode slot and its extended attributes (its blocks and names must be gone already). */
    public void freeInode(Txn txn, Inode inode) {
        xattrs.removeAll(txn, inode.ino);
        txn.touch(MetaType.INODE, inode.ino - 1);
        apply(MetaType.INODE, inode.ino - 1, new byte[MetaType.INODE.slotSize()]);
    }

    /** Adds {@code name} in {@code dir} for {@code child}; returns the direntry id. */
    public long addDirent(Txn txn, long dir, String name, long child) {
        long id = nextFree(direntsUsed, slots(MetaType.DIRENT), direntCursor);
        direntCursor = id + 1;
        txn.touch(MetaType.DIRENT, id);
        apply(MetaType.DIRENT, id, encodeDirent(dir, child, name));
        return id;
    }

    /** Points direntry {@code id} at another inode (rename over an existing name). */
    public void retargetDirent(Txn txn, long id, long child) {
        Dirent d = dirents.get(id);
        txn.touch(MetaType.DIRENT, id);
        apply(MetaType.DIRENT, id, encodeDirent(d.parent(), child, d.name()));
    }

    /** Frees direntry {@code id}. */
    public void removeDirent(Txn txn, long id) {
        txn.touch(MetaType.DIRENT, id);
        apply(MetaType.DIRENT, id, new byte[MetaType.DIRENT.slotSize()]);
    }

    /**
     * Keeps blocks freed by this (RW) mount out of the allocator for {@code nanos} after their
     * free is durable, so that a RO mount whose map lags never reads a reused block through an
     * old name (see docs/core-pfs.md). 0 reuses at once.
     */
    public void reuseDelay(long nanos) {
        quarantine.delay(nanos);
    }

    /** The blocks freed since the last call ride in the commit numbered {@code seq}. */
    public void freesSealed(long seq) {
        quarantine.seal(seq);
    }

    /** Starts the reuse delay of the blocks freed by commits up to {@code seq}: they are durable now. */
    public void freesDurable(long seq, long nowNanos) {
        quarantine.durable(seq, nowNanos);
    }

    /** Hands blocks whose reuse delay ended back to the allocator. */
    public void expireCooling(long nowNanos) {
        quarantine.expire(nowNanos, tagsBusy, t -> geometry.usableTag(t));
    }

    /** @return a free tag near {@code hint} (-1 if none); not yet owned until {@link #setTag} */
    public long freeTagNear(long hint) {
        long slots = slots(MetaType.TAG);
        long t = nextFree(tagsBusy, slots, hint >= 0 && hint < slots ? hint : tagCursor);
        tagCursor = t + 1;
        return t;
    }

    /**
     * Takes a free tag near {@code hint} for a data write that runs without the lock: no other
     * allocation hands it out until {@link #setTag} makes it owned or {@link #releaseReserved}
     * gives it back. The caller checked {@link #freeBlocks}.
     */
    public long reserveTagNear(long hint) {
        long t = freeTagNear(hint);
        tagsBusy.set((int) t);
        tagsReserved.set((int) t);
        reserved++;
        return t;
    }

    /** Gives back a tag {@link #reserveTagNear} took that never became owned (its write failed). */
    public void releaseReserved(long t) {
        if (tagsReserved.get((int) t)) {
            tagsReserved.clear((int) t);
            reserved--;
            tagsBusy.set((int) t, tagOwner[(int) t] != 0 || !geometry.usableTag(t));
        }
    }

    /** @return tags reserved by writes in flight; they count as used for {@link #freeBlocks} */
    public long reservedTags() {
        return reserved;
    }

    /** Makes tag {@code t} hold block {@code index} of {@code owner}. */
    public void setTag(Txn txn, long t, long owner, long index, int flags) {
        if (tagsReserved.get((int) t)) {
            tagsReserved.clear((int) t);
            reserved--;
        }
        txn.touch(MetaType.TAG, t);
        ByteBuffer b = MetaSlotDescriptor.newSlot(MetaType.TAG);
        b.putInt(MetaSlotDescriptor.TAG_FLAGS, flags);
        b.putLong(MetaSlotDescriptor.TAG_OWNER, owner);
        b.putLong(MetaSlotDescriptor.TAG_INDEX, index);
        apply(MetaType.TAG, t, MetaSlotDescriptor.seal(b));
    }

    /**
     * Frees tag {@code t}; its block is reusable once the commit carrying the free is durable
     * ({@link #freesDurable}) and the reuse delay passed.
     */
    public void freeTag(Txn txn, long t) {
        txn.touch(MetaType.TAG, t);
        apply(MetaType.TAG, t, new byte[MetaType.TAG.slotSize()]);
        quarantine.hold(t);
        tagsBusy.set((int) t);
    }

    /** @return a new empty transaction over this store */
    public Txn begin() {
        return new Txn(this);
    }

    private long nextFree(BitSet used, long slots, long from) {
        long f = from >= slots ? 0 : from;
        long id = used.nextClearBit((int) f);
        if (id >= slots) {
            id = used.nextClearBit(0);
        }
        if (id >= slots) {
            throw new IllegalStateException("no free slot: callers check free counts first");
        }
        return id;
    }

    private static byte[] encodeDirent(long dir, long child, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = MetaSlotDescriptor.newSlot(MetaType.DIRENT);
        b.putInt(MetaSlotDescriptor.DIRENT_NAME_LENGTH, n.length);
        b.putLong(MetaSlotDescriptor.DIRENT_PARENT, dir);
        b.putLong(MetaSlotDescriptor.DIRENT_CHILD, child);
        b.put(MetaSlotDescriptor.DIRENT_NAME, n);
        return MetaSlotDescriptor.seal(b);
    }

    // ---- images

    /** @return the current image of slot {@code id} of {@code type} (zeros when free) */
    public byte[] encode(MetaType type, long id) {
        switch (type) {
            case INODE -> {
                Inode i = inodes.get(id + 1);
                return i == null ? new byte[type.slotSize()] : i.encode();
            }
            case DIRENT -> {
                Dirent d = dirents.get(id);
                return d == null ? new byte[type.slotSize()] : encodeDirent(d.parent(), d.child(), d.name());
            }
            case XATTR -> {
                return xattrs.encode(id);
            }
            default -> {
                if (tagOwner[(int) id] == 0) {
                    return new byte[type.slotSize()];
                }
                ByteBuffer b = MetaSlotDescriptor.newSlot(MetaType.TAG);
                b.putInt(MetaSlotDescriptor.TAG_FLAGS, tagFlags[(int) id]);
                b.putLong(MetaSlotDescriptor.TAG_OWNER, tagOwner[(int) id]);
                b.putLong(MetaSlotDescriptor.TAG_INDEX, tagIndex[(int) id]);
                return MetaSlotDescriptor.seal(b);
            }
        }
    }

    /**
     * Installs an image (all zero = free) into slot {@code id} and updates the indexes. The
     * caller checked the image with {@link MetaSlotDescriptor#check}.
     */
    public void apply(MetaType type, long id, byte[] image) {
        boolean free = MetaSlotDescriptor.isFree(image);
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        markDirty(type, id);
        switch (type) {
            case INODE -> {
                if (free) {
                    inodes.remove(id + 1);
                    inodesUsed.clear((int) id);
                } else {
                    inodes.computeIfAbsent(id + 1, Inode::new).decode(image);
                    inodesUsed.set((int) id);
                }
            }
            case DIRENT -> {
                Dirent old = dirents.remove(id);
                if (old != null) {
                    TreeMap<String, Long> m = dirIndex.get(old.parent());
                    if (m != null && m.remove(old.name(), id) && m.isEmpty()) {
                        dirIndex.remove(old.parent());
                    }
                    direntOfChild.remove(old.child(), id);
                    direntsUsed.clear((int) id);
                }
                if (!free) {
                    int len = b.getInt(MetaSlotDescriptor.DIRENT_NAME_LENGTH);
                    String name = new String(image, MetaSlotDescriptor.DIRENT_NAME, len, StandardCharsets.UTF_8);
                    Dirent d = new Dirent(id, b.getLong(MetaSlotDescriptor.DIRENT_PARENT),
                            b.getLong(MetaSlotDescriptor.DIRENT_CHILD), name);
                    dirents.put(id, d);
                    dirIndex.computeIfAbsent(d.parent(), k -> new TreeMap<>()).put(name, id);
                    direntOfChild.put(d.child(), id);
                    direntsUsed.set((int) id);
                }
            }
            case TAG -> {
                int t = (int) id;
                if (tagOwner[t] != 0) {
                    TreeMap<Long, Long> m = blockIndex.get(tagOwner[t]);
                    if (m != null && m.remove(tagIndex[t], id) && m.isEmpty()) {
                        blockIndex.remove(tagOwner[t]);
                    }
                    tagsUsed--;
                }
                if (free) {
                    tagOwner[t] = 0;
                    tagIndex[t] = 0;
                    tagFlags[t] = 0;
                    tagsBusy.set(t, !geometry.usableTag(t));
                } else {
                    tagOwner[t] = b.getLong(MetaSlotDescriptor.TAG_OWNER);
                    tagIndex[t] = b.getLong(MetaSlotDescriptor.TAG_INDEX);
                    tagFlags[t] = (byte) b.getInt(MetaSlotDescriptor.TAG_FLAGS);
                    blockIndex.computeIfAbsent(tagOwner[t], k -> new TreeMap<>()).put(tagIndex[t], id);
                    tagsBusy.set(t);
                    tagsUsed++;
                }
            }
            case XATTR -> xattrs.apply(id, image, free);
            default -> throw new IllegalArgumentException(type.name());
        }
    }

    /**
     * Notes that slot {@code id}'s sector must be written in place at the next checkpoint. Sectors
     * are counted from the start of the slot's chunk: a chunk's slots of a kind need not fill
     * whole sectors (64 block tags of a 4 MB chunk in a sector of 128), so {@code id / perSector}
     * would name a sector of another chunk.
     */
    void markDirty(MetaType type, long id) {
        long chunkFirst = id / geometry.perChunk(type) * geometry.perChunk(type);
        long inChunk = id - chunkFirst;
        dirtySectors.add(new Txn.Key(type, chunkFirst + inChunk / type.slotsPerSector() * type.slotsPerSector()));
    }

    /** @return the sectors changed since the last call (each as type and first slot id), clearing the set */
    public Set<Txn.Key> takeDirtySectors() {
        Set<Txn.Key> out = new HashSet<>(dirtySectors);
        dirtySectors.clear();
        return out;
    }

    /** @return a copy of the sectors changed since they were last {@link #clearDirty cleared} */
    public Set<Txn.Key> dirtySectors() {
        return new HashSet<>(dirtySectors);
    }

    /** Forgets sectors that were written in place. */
    public void clearDirty(java.util.Collection<Txn.Key> written) {
        dirtySectors.removeAll(written);
    }

    /** @return the 4 KB image of the sector whose first slot is {@code firstId} */
    public byte[] encodeSector(MetaType type, long firstId) {
        byte[] sector = new byte[ChunkDescriptor.META_SECTOR];
        int per = geometry.perChunk(type);
        long chunkEnd = (firstId / per + 1) * (long) per;
        for (int i = 0; i < type.slotsPerSector() && firstId + i < chunkEnd; i++) {
            byte[] slot = encode(type, firstId + i);
            System.arraycopy(slot, 0, sector, i * type.slotSize(), slot.length);
        }
        return sector;
    }
}
