package dev.pfs.core.fs;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.core.Errno;
import dev.pfs.core.PfsException;
import dev.pfs.core.journal.JournalReader;
import dev.pfs.core.layout.ChunkDescriptor;
import dev.pfs.core.layout.JournalDescriptor;
import dev.pfs.core.layout.MetaSlotDescriptor;
import dev.pfs.core.layout.MetaType;
import dev.pfs.core.layout.Superblock;
import dev.pfs.core.layout.SuperblockDescriptor;
import dev.pfs.core.meta.MetaStore;
import dev.pfs.core.meta.Txn;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * Reads a volume's metadata into memory without writing: the superblock, every metaobject
 * sector of every chunk, then the journal from the checkpoint anchor on.
 */
final class VolumeLoader {
    /** What was loaded: the store, and a reader positioned after the last replayed record. */
    record Loaded(Superblock superblock, JournalDescriptor.Header header, MetaStore store, JournalReader reader,
                  int replayed) {
    }

    private VolumeLoader() {
    }

    static Superblock readSuperblock(BlockVolume volume) throws PfsException {
        if (volume.size() < SuperblockDescriptor.REGION_SIZE) {
            throw new PfsException(Errno.EINVAL, "not a pfs volume (only " + volume.size() + " bytes)");
        }
        ByteBuffer b = ByteBuffer.allocateDirect(512);
        read(volume, 0, b, "the superblock");
        Superblock sb = SuperblockDescriptor.decode(b.clear(), volume.size());
        String bad = new ChunkDescriptor(sb).check();
        if (bad != null) {
            throw new PfsException(Errno.EINVAL, "the pfs superblock is corrupt: " + bad);
        }
        return sb;
    }

    static JournalDescriptor.Header readJournalHeader(BlockVolume volume, Superblock sb) throws PfsException {
        ByteBuffer b = ByteBuffer.allocateDirect(512);
        read(volume, sb.journalOffset(), b, "the journal header");
        JournalDescriptor.Header h = JournalDescriptor.decodeHeader(b.clear(),
                sb.journalSize() - JournalDescriptor.HEADER_SIZE);
        if (h == null) {
            throw new PfsException(Errno.EIO, "the journal header at offset " + sb.journalOffset()
                    + " is corrupt; run pfs fsck");
        }
        return h;
    }

    /**
     * Loads everything.
     *
     * @param problems receives each corrupt metaobject slot and a corrupt journal record (replay
     *                 stops before it); null makes the first one fatal
     */
    static Loaded load(BlockVolume volume, Consumer<String> problems) throws PfsException {
        Superblock sb = readSuperblock(volume);
        JournalDescriptor.Header h = readJournalHeader(volume, sb);
        ChunkDescriptor g = new ChunkDescriptor(sb);
        MetaStore store = new MetaStore(g);
        java.util.List<Txn.Key> dropped = new java.util.ArrayList<>();
        for (int c = 0; c < g.chunks(); c++) {
            for (MetaType t : MetaType.values()) {
                loadArea(volume, store, g, c, t, problems, dropped);
            }
        }
        store.takeDirtySectors();
        for (Txn.Key k : dropped) {
            // A corrupt slot dropped for repair is written back free at the next checkpoint.
            store.apply(k.type(), k.id(), new byte[k.type().slotSize()]);
        }
        JournalReader reader = new JournalReader(volume, sb.journalOffset(), sb.journalSize(), h);
        int n;
        try {
            n = reader.replay(store);
        } catch (PfsException e) {
            if (problems == null || e.errno() != Errno.EIO) {
                throw e;
            }
            problems.accept(e.getMessage());
            n = 0;
        }
        return new Loaded(sb, h, store, reader, n);
    }

    private static void loadArea(BlockVolume volume, MetaStore store, ChunkDescriptor g, int c, MetaType t,
                                 Consumer<String> problems, java.util.List<Txn.Key> dropped) throws PfsException {
        if (g.perChunk(t) == 0) {
            return; // a kind this volume's format has no area for (xattrs before format version 2)
        }
        long firstId = (long) c * g.perChunk(t);
        long offset = g.sectorOffset(t, firstId);
        long bytes = g.areaBytes(t);
        int slot = t.slotSize();
        byte[] img = new byte[slot];
        for (long done = 0; done < bytes; ) {
            int step = (int) Math.min(4 << 20, bytes - done);
            ByteBuffer b = ByteBuffer.allocateDirect(step);
            read(volume, offset + done, b, "metaobject sectors of chunk " + c);
            b.clear();
            for (int p = 0; p < step; p += slot) {
                long id = firstId + (done + p) / slot;
                if (id >= firstId + g.perChunk(t)) {
                    break;
                }
                b.get(p, img);
                if (MetaSlotDescriptor.isFree(img)) {
                    continue;
                }
                String bad = MetaSlotDescriptor.check(t, img);
                if (bad != null) {
                    String msg = t + " " + id + " in chunk " + c + " at offset " + (offset + done + p) + ": " + bad;
                    if (problems == null) {
                        throw new PfsException(Errno.EIO, "corrupt metaobject " + msg + "; run pfs fsck");
                    }
                    problems.accept(msg);
                    dropped.add(new Txn.Key(t, id));
                    continue;
                }
                store.apply(t, id, img.clone());
            }
            done += step;
        }
    }

    static void read(BlockVolume volume, long offset, ByteBuffer b, String what) throws PfsException {
        try {
            VolumeException.await(volume.read(offset, b));
        } catch (VolumeException e) {
            throw new PfsException(Errno.EIO, "reading " + what + ": " + e.getMessage(), e);
        }
    }
}
