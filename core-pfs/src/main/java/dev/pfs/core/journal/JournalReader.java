package dev.pfs.core.journal;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.core.Errno;
import dev.pfs.core.PfsException;
import dev.pfs.core.layout.JournalDescriptor;
import dev.pfs.core.layout.MetaSlotDescriptor;
import dev.pfs.core.layout.MetaType;
import dev.pfs.core.meta.MetaStore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads journal records of one generation from a position on: mount replays from the
 * checkpoint anchor, and a RO mount keeps one to tail the RW mount's new transactions.
 */
public final class JournalReader {
    private final BlockVolume volume;
    private final long areaOffset;
    private final long areaSize;
    private final long generation;
    private long position;
    private long nextSeq;

    /** A reader of the records that follow {@code header}'s anchor. */
    public JournalReader(BlockVolume volume, long journalOffset, long journalSize, JournalDescriptor.Header header) {
        this.volume = volume;
        this.areaOffset = journalOffset + JournalDescriptor.HEADER_SIZE;
        this.areaSize = journalSize - JournalDescriptor.HEADER_SIZE;
        this.generation = header.generation();
        this.position = header.anchorOffset();
        this.nextSeq = header.anchorSeq();
    }

    /** @return the generation it reads */
    public long generation() {
        return generation;
    }

    /** @return where the next record would start */
    public long position() {
        return position;
    }

    /** @return the sequence number of the next record */
    public long nextSeq() {
        return nextSeq;
    }

    /**
     * Applies every complete record from the current position to {@code store}.
     *
     * @return records applied
     * @throws PfsException EIO if a record in the middle of the journal is corrupt (a valid
     *                      record follows it), or the volume fails
     */
    public int replay(MetaStore store) throws PfsException {
        int n = 0;
        while (true) {
            ByteBuffer rec = next();
            if (rec == null) {
                return n;
            }
            applyRecord(rec, store);
            n++;
        }
    }

    /**
     * Reads every complete record from the current position without applying them, so that
     * a RO mount reads the volume without holding its metadata lock.
     *
     * @return the records, in order, for {@link #apply}
     * @throws PfsException as {@link #replay}
     */
    public java.util.List<ByteBuffer> readNew() throws PfsException {
        java.util.List<ByteBuffer> out = new java.util.ArrayList<>();
        for (ByteBuffer rec = next(); rec != null; rec = next()) {
            out.add(rec);
        }
        return out;
    }

    /** Applies records read by {@link #readNew} to {@code store}. */
    public static void apply(java.util.List<ByteBuffer> records, MetaStore store) {
        for (ByteBuffer rec : records) {
            applyRecord(rec, store);
        }
    }

    /**
     * @return the next valid record (advancing), or null at the end of the journal
     * @throws PfsException EIO when the record is damaged but a later one is intact
     */
    ByteBuffer next() throws PfsException {
        Found f = readAt(position, nextSeq);
        if (f.record == null && position != 0) {
            // The writer starts a record at 0 when it does not fit before the end of the area.
            Found wrapped = readAt(0, nextSeq);
            if (wrapped.record != null || f.damaged == null) {
                f = wrapped;
            }
        }
        if (f.damaged != null) {
            long after = f.at + JournalDescriptor.paddedLength(f.damagedLength);
            if (readAt(after < areaSize ? after : 0, nextSeq + 1).record != null
                    || readAt(0, nextSeq + 1).record != null) {
                throw new PfsException(Errno.EIO, "journal record " + nextSeq + " at journal offset "
                        + f.at + " is corrupt (" + f.damaged + ") and later records exist; run pfs fsck");
            }
            return null;
        }
        if (f.record == null) {
            return null;
        }
        position = f.at + JournalDescriptor.paddedLength(f.record.getInt(JournalDescriptor.R_LENGTH));
        if (position >= areaSize) {
            position = 0;
        }
        nextSeq++;
        return f.record;
    }

    private record Found(long at, ByteBuffer record, String damaged, int damagedLength) {
    }

    private Found readAt(long at, long seq) throws PfsException {
        if (at + JournalDescriptor.RECORD_ALIGN > areaSize) {
            return new Found(at, null, null, 0);
        }
        ByteBuffer head = read(at, JournalDescriptor.RECORD_ALIGN);
        String bad = JournalDescriptor.checkRecordHeader(head, generation, seq, areaSize - at);
        if (bad != null) {
            return new Found(at, null, null, 0);
        }
        int len = head.getInt(JournalDescriptor.R_LENGTH);
        ByteBuffer rec = len <= head.capacity() ? head : read(at, JournalDescriptor.paddedLength(len));
        if (!JournalDescriptor.checkRecordCrc(rec)) {
            return new Found(at, null, "checksum mismatch", len);
        }
        String entries = checkEntries(rec);
        if (entries != null) {
            return new Found(at, null, entries, len);
        }
        return new Found(at, rec, null, len);
    }

    private ByteBuffer read(long at, int length) throws PfsException {
        ByteBuffer b = ByteBuffer.allocateDirect(length).order(ByteOrder.LITTLE_ENDIAN);
        try {
            VolumeException.await(volume.read(areaOffset + at, b));
        } catch (VolumeException e) {
            throw new PfsException(Errno.EIO, "reading the journal: " + e.getMessage(), e);
        }
        return b.clear();
    }

    private static String checkEntries(ByteBuffer rec) {
        int len = rec.getInt(JournalDescriptor.R_LENGTH);
        int count = rec.getInt(JournalDescriptor.R_COUNT);
        int p = JournalDescriptor.R_ENTRIES;
        for (int i = 0; i < count; i++) {
            if (p + JournalDescriptor.ENTRY_HEADER > len) {
                return "entry " + i + " past the record's end";
            }
            int type = rec.get(p) & 0xff;
            if (type >= MetaType.values().length) {
                return "entry " + i + " of unknown type " + type;
            }
            MetaType t = MetaType.values()[type];
            p += JournalDescriptor.ENTRY_HEADER + 2 * t.slotSize();
            if (p > len) {
                return "entry " + i + " past the record's end";
            }
            byte[] img = new byte[t.slotSize()];
            rec.get(p - t.slotSize(), img);
            if (!MetaSlotDescriptor.isFree(img) && MetaSlotDescriptor.check(t, img) != null) {
                return "entry " + i + ": " + MetaSlotDescriptor.check(t, img);
            }
        }
        return p == len ? null : "length does not match its entries";
    }

    static void applyRecord(ByteBuffer rec, MetaStore store) {
        int count = rec.getInt(JournalDescriptor.R_COUNT);
        int p = JournalDescriptor.R_ENTRIES;
        for (int i = 0; i < count; i++) {
            MetaType t = MetaType.values()[rec.get(p) & 0xff];
            long id = rec.getLong(p + 8);
            byte[] img = new byte[t.slotSize()];
            rec.get(p + JournalDescriptor.ENTRY_HEADER + t.slotSize(), img);
            store.apply(t, id, img);
            p += JournalDescriptor.ENTRY_HEADER + 2 * t.slotSize();
        }
    }
}
