package dev.pfs.core.journal;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.core.layout.JournalDescriptor;
import dev.pfs.core.meta.Txn;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Appends transactions to the journal of a RW mount: one record per commit, written with FUA
 * so it is durable when {@link #append} returns, and starts new generations at checkpoints.
 */
public final class JournalWriter {
    private final BlockVolume volume;
    private final long journalOffset;
    private final long areaSize;
    private final LongSupplier epoch;
    private long generation;
    private long position;
    private long nextSeq;
    private long used;

    /** Continues after {@code reader} finished replaying (position and sequence follow it). */
    public JournalWriter(BlockVolume volume, long journalOffset, long journalSize, LongSupplier epoch,
                         JournalReader reader) {
        this.volume = volume;
        this.journalOffset = journalOffset;
        this.areaSize = journalSize - JournalDescriptor.HEADER_SIZE;
        this.epoch = epoch;
        this.generation = reader.generation();
        this.position = reader.position();
        this.nextSeq = reader.nextSeq();
    }

    /** @return the largest record {@link #append} accepts */
    public int maxRecordBytes() {
        return (int) Math.min(Integer.MAX_VALUE / 2, areaSize / 4);
    }

    /** @return bytes of a record holding {@code changes} */
    public static int recordBytes(List<Txn.Change> changes) {
        int n = JournalDescriptor.R_ENTRIES;
        for (Txn.Change c : changes) {
            n += JournalDescriptor.ENTRY_HEADER + 2 * c.type().slotSize();
        }
        return n;
    }

    /**
     * @return whether a record of {@code bytes} fits without a checkpoint first: the policy that
     *     keeps half of the area free, so that the records a checkpoint must journal before it
     *     writes sectors in place always find room ({@link #fitsBeforeAnchor})
     */
    public boolean fits(int bytes) {
        return fitsBeforeAnchor(bytes) && used < areaSize / 2;
    }

    /** @return whether a record of {@code bytes} can be written without overwriting records the anchor needs */
    public boolean fitsBeforeAnchor(int bytes) {
        long padded = JournalDescriptor.paddedLength(bytes);
        long waste = position + padded > areaSize ? areaSize - position : 0;
        return used + waste + padded <= areaSize - JournalDescriptor.RECORD_ALIGN;
    }

    /**
     * Writes one record holding {@code changes}, durable on return.
     *
     * @throws VolumeException IO without writing if the record does not {@link #fitsBeforeAnchor
     *     fit}: it would overwrite records the checkpoint anchor still needs
     */
    public void append(List<Txn.Change> changes) throws VolumeException {
        int len = recordBytes(changes);
        if (!fitsBeforeAnchor(len)) {
            throw new VolumeException(VolumeException.Kind.IO, "a journal record of " + len
                    + " bytes does not fit before the checkpoint anchor (" + used + " of " + areaSize
                    + " bytes in use): a checkpoint must come first");
        }
        int padded = JournalDescriptor.paddedLength(len);
        ByteBuffer b = ByteBuffer.allocateDirect(padded).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, JournalDescriptor.RECORD_MAGIC);
        b.putInt(JournalDescriptor.R_LENGTH, len);
        b.putLong(JournalDescriptor.R_GENERATION, generation);
        b.putLong(JournalDescriptor.R_SEQ, nextSeq);
        b.putInt(JournalDescriptor.R_COUNT, changes.size());
        int p = JournalDescriptor.R_ENTRIES;
        for (Txn.Change c : changes) {
            b.put(p, (byte) c.type().ordinal());
            b.putLong(p + 8, c.id());
            b.put(p + JournalDescriptor.ENTRY_HEADER, c.oldImage());
            b.put(p + JournalDescriptor.ENTRY_HEADER + c.type().slotSize(), c.newImage());
            p += JournalDescriptor.ENTRY_HEADER + 2 * c.type().slotSize();
        }
        JournalDescriptor.sealRecord(b);
        long at = position;
        long waste = 0;
        if (at + padded > areaSize) {
            waste = areaSize - at;
            at = 0;
        }
        VolumeException.await(volume.write(journalOffset + JournalDescriptor.HEADER_SIZE + at, b.clear(),
                epoch.getAsLong(), true));
        used += waste + padded;
        position = at + padded >= areaSize ? 0 : at + padded;
        nextSeq++;
    }

    /**
     * Starts a new generation whose anchor is the current end: the caller has written every
     * metaobject sector in place and flushed, so nothing before it needs replay.
     *
     * @return the new header, durable on return
     */
    public JournalDescriptor.Header checkpoint() throws VolumeException {
        JournalDescriptor.Header h = new JournalDescriptor.Header(generation + 1, nextSeq, position);
        VolumeException.await(volume.write(journalOffset, JournalDescriptor.encodeHeader(h), epoch.getAsLong(), true));
        generation = h.generation();
        used = 0;
        return h;
    }

    /** @return the current generation */
    public long generation() {
        return generation;
    }
}
