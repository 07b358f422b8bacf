package dev.pfs.core.meta;

import dev.pfs.core.layout.MetaSlotDescriptor;
import dev.pfs.core.layout.MetaType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The extended attributes of every inode, as the xattr slots of the volume (layout in
 * {@link MetaSlotDescriptor}): the image of every used slot, and an index from (owner inode,
 * name) to the chain of slots that holds the attribute. Like {@link MetaStore}, whose
 * {@link MetaStore#apply} feeds it, it trusts the images it is given and is guarded by the file
 * system's lock. A chain may be incomplete only on a damaged volume: {@link #complete} tells,
 * fsck reports it.
 */
public final class XattrTable {
    private final MetaStore store;
    private final Map<Long, byte[]> images = new HashMap<>();
    private final Map<Long, TreeMap<String, Long>> byOwner = new HashMap<>();
    private final Map<Long, TreeMap<Integer, Long>> chains = new HashMap<>();
    private final BitSet used = new BitSet();
    private long cursor;

    XattrTable(MetaStore store) {
        this.store = store;
    }

    /** @return slots an attribute with a name and a value of these lengths (bytes) takes */
    public static int partsFor(int nameBytes, int valueBytes) {
        int total = nameBytes + valueBytes;
        return Math.max(1, (total + MetaSlotDescriptor.XATTR_PAYLOAD_MAX - 1) / MetaSlotDescriptor.XATTR_PAYLOAD_MAX);
    }

    /** @return name to head slot of the attributes of inode {@code ino}, sorted by name (empty if none) */
    public NavigableMap<String, Long> names(long ino) {
        TreeMap<String, Long> m = byOwner.get(ino);
        return m == null ? Collections.emptyNavigableMap() : Collections.unmodifiableNavigableMap(m);
    }

    /** @return the head slot of attribute {@code name} of {@code ino}, or -1 */
    public long head(long ino, String name) {
        Long h = names(ino).get(name);
        return h == null ? -1 : h;
    }

    /** @return every inode that owns an attribute */
    public List<Long> owners() {
        return new ArrayList<>(byOwner.keySet());
    }

    /** @return slots held by the attributes of {@code ino} */
    public int slotsOf(long ino) {
        int n = 0;
        for (long h : names(ino).values()) {
            TreeMap<Integer, Long> c = chains.get(h);
            n += c == null ? 0 : c.size();
        }
        return n;
    }

    /** @return used xattr slots */
    public long usedSlots() {
        return images.size();
    }

    /** @return xattr slots free for new attributes */
    public long freeSlots() {
        return store.slots(MetaType.XATTR) - images.size();
    }

    /** @return whether every part of the chain headed by {@code head} is present */
    public boolean complete(long head) {
        byte[] h = images.get(head);
        TreeMap<Integer, Long> c = chains.get(head);
        return h != null && c != null && c.size() == Short.toUnsignedInt(buf(h).getShort(MetaSlotDescriptor.XATTR_PARTS));
    }

    /** @return every chain head (named by its parts) whose chain lacks a part */
    public List<Long> damagedChains() {
        List<Long> out = new ArrayList<>();
        for (Long head : chains.keySet()) {
            if (!complete(head)) {
                out.add(head);
            }
        }
        return out;
    }

    /** @return the slots of the chain headed by {@code head}, in part order (empty if none) */
    public List<Long> chain(long head) {
        TreeMap<Integer, Long> c = chains.get(head);
        return c == null ? List.of() : new ArrayList<>(c.values());
    }

    /** @return the owner inode of chain {@code head} (from any of its parts), or 0 */
    public long ownerOf(long head) {
        List<Long> c = chain(head);
        return c.isEmpty() ? 0 : buf(images.get(c.getFirst())).getLong(MetaSlotDescriptor.XATTR_OWNER);
    }

    /** @return the value of the complete chain headed by {@code head} */
    public byte[] value(long head) {
        ByteBuffer h = buf(images.get(head));
        int nameLength = Short.toUnsignedInt(h.getShort(MetaSlotDescriptor.XATTR_NAME_LENGTH));
        byte[] value = new byte[h.getInt(MetaSlotDescriptor.XATTR_VALUE_LENGTH)];
        int at = 0;
        int skip = nameLength;
        for (long id : chain(head)) {
            byte[] img = images.get(id);
            int payload = buf(img).getInt(MetaSlotDescriptor.XATTR_PAYLOAD_LENGTH);
            int from = Math.min(skip, payload);
            skip -= from;
            int n = Math.min(payload - from, value.length - at);
            System.arraycopy(img, MetaSlotDescriptor.XATTR_PAYLOAD + from, value, at, n);
            at += n;
        }
        return value;
    }

    /**
     * Sets attribute {@code name} of {@code ino} to {@code value} in {@code txn}, rewriting the
     * slots of an existing value in place (so a replacement touches no more slots than the larger
     * of the two values takes). The caller checked the limits and that {@link #freeSlots} suffice.
     */
    public void set(Txn txn, long ino, String name, byte[] value) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        int parts = partsFor(n.length, value.length);
        long oldHead = head(ino, name);
        List<Long> ids = oldHead < 0 ? new ArrayList<>() : chain(oldHead);
        List<Long> spare = new ArrayList<>();
        while (ids.size() > parts) {
            spare.add(ids.removeLast());
        }
        while (ids.size() < parts) {
            ids.add(allocate());
        }
        byte[] payload = new byte[n.length + value.length];
        System.arraycopy(n, 0, payload, 0, n.length);
        System.arraycopy(value, 0, payload, n.length, value.length);
        for (int k = 0; k < parts; k++) {
            ByteBuffer b = MetaSlotDescriptor.newSlot(MetaType.XATTR);
            int from = k * MetaSlotDescriptor.XATTR_PAYLOAD_MAX;
            int len = Math.min(MetaSlotDescriptor.XATTR_PAYLOAD_MAX, payload.length - from);
            b.putShort(MetaSlotDescriptor.XATTR_PART, (short) k);
            b.putShort(MetaSlotDescriptor.XATTR_PARTS, (short) parts);
            b.putLong(MetaSlotDescriptor.XATTR_OWNER, ino);
            b.putLong(MetaSlotDescriptor.XATTR_HEAD, ids.getFirst());
            b.putShort(MetaSlotDescriptor.XATTR_NAME_LENGTH, (short) n.length);
            b.putInt(MetaSlotDescriptor.XATTR_VALUE_LENGTH, value.length);
            b.putInt(MetaSlotDescriptor.XATTR_PAYLOAD_LENGTH, len);
            b.put(MetaSlotDescriptor.XATTR_PAYLOAD, payload, from, len);
            txn.touch(MetaType.XATTR, ids.get(k));
            store.apply(MetaType.XATTR, ids.get(k), MetaSlotDescriptor.seal(b));
        }
        for (long id : spare) {
            free(txn, id);
        }
    }

    /** Removes the chain headed by {@code head} in {@code txn}. */
    public void remove(Txn txn, long head) {
        for (long id : chain(head)) {
            free(txn, id);
        }
    }

    /** Removes every attribute of {@code ino} in {@code txn} (the inode is being freed). */
    public void removeAll(Txn txn, long ino) {
        for (long head : new ArrayList<>(names(ino).values())) {
            remove(txn, head);
        }
    }

    private void free(Txn txn, long id) {
        txn.touch(MetaType.XATTR, id);
        store.apply(MetaType.XATTR, id, new byte[MetaType.XATTR.slotSize()]);
    }

    private long allocate() {
        long slots = store.slots(MetaType.XATTR);
        long from = cursor >= slots ? 0 : cursor;
        long id = used.nextClearBit((int) from);
        if (id >= slots) {
            id = used.nextClearBit(0);
        }
        if (id >= slots) {
            throw new IllegalStateException("no free xattr slot: callers check freeSlots() first");
        }
        cursor = id + 1;
        // Reserved at once, so that the next allocation of the same set() does not return it again.
        used.set((int) id);
        return id;
    }

    /** @return the image of slot {@code id} (zeros when free) */
    byte[] encode(long id) {
        byte[] img = images.get(id);
        return img == null ? new byte[MetaType.XATTR.slotSize()] : img.clone();
    }

    /** Installs an image (all zero = free) into slot {@code id} and updates the index. */
    void apply(long id, byte[] image, boolean free) {
        byte[] old = images.remove(id);
        if (old != null) {
            unindex(id, buf(old), old);
        }
        used.clear((int) id);
        if (free) {
            return;
        }
        byte[] img = image.clone();
        images.put(id, img);
        used.set((int) id);
        ByteBuffer b = buf(img);
        long head = b.getLong(MetaSlotDescriptor.XATTR_HEAD);
        chains.computeIfAbsent(head, k -> new TreeMap<>())
                .put(Short.toUnsignedInt(b.getShort(MetaSlotDescriptor.XATTR_PART)), id);
        if (b.getShort(MetaSlotDescriptor.XATTR_PART) == 0) {
            byOwner.computeIfAbsent(b.getLong(MetaSlotDescriptor.XATTR_OWNER), k -> new TreeMap<>())
                    .put(nameOf(img), id);
        }
    }

    private void unindex(long id, ByteBuffer b, byte[] img) {
        long head = b.getLong(MetaSlotDescriptor.XATTR_HEAD);
        TreeMap<Integer, Long> c = chains.get(head);
        if (c != null && c.remove(Short.toUnsignedInt(b.getShort(MetaSlotDescriptor.XATTR_PART)), id) && c.isEmpty()) {
            chains.remove(head);
        }
        if (b.getShort(MetaSlotDescriptor.XATTR_PART) == 0) {
            long owner = b.getLong(MetaSlotDescriptor.XATTR_OWNER);
            TreeMap<String, Long> m = byOwner.get(owner);
            if (m != null && m.remove(nameOf(img), id) && m.isEmpty()) {
                byOwner.remove(owner);
            }
        }
    }

    private static String nameOf(byte[] head) {
        int len = Short.toUnsignedInt(buf(head).getShort(MetaSlotDescriptor.XATTR_NAME_LENGTH));
        return new String(head, MetaSlotDescriptor.XATTR_PAYLOAD, len, StandardCharsets.UTF_8);
    }

    private static ByteBuffer buf(byte[] img) {
        return ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
    }
}
