package dev.pfs.chunkserver.replication;

import dev.pfs.chunkserver.wal.FrameBufferPool;
import dev.pfs.chunkserver.wal.WalRecord;
import dev.pfs.chunkserver.wal.WalRecordType;
import dev.pfs.chunkserver.wal.WalScanner;
import dev.pfs.chunkserver.wal.WalWriter;
import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.parallelraft.Entry;
import dev.pfs.parallelraft.HardState;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's replication log: one log for every group on this server, in the chunk store's WAL
 * format (frames of records, each record naming its group and its (term, index) slot, each
 * frame written with one FUA write). {@link #append} is the group commit across groups: the
 * entries, truncations and hard states of every group's Ready go into the same frame, durable
 * when it returns. Recovery ({@link #recover}) replays the log in write order, so for an index
 * the later record wins, a truncation drops what was logged above it, and the latest hard
 * state is the group's. The log is not reclaimed yet (see docs/replication.md). One thread owns it.
 */
final class ReplicationLog {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicationLog.class);
    /** Records of one frame at most this many bytes; a larger batch takes several FUA writes. */
    private static final int MAX_FRAME_RECORDS = 4 << 20;

    /** What recovery found for one group. */
    record Recovered(GroupSpec spec, HardState hard, List<Entry> entries) {
    }

    private final WalWriter writer;

    private ReplicationLog(WalWriter writer) {
        this.writer = writer;
    }

    /**
     * Scans the log volume and opens it for appending after its valid end.
     *
     * @param groups filled with every group the log holds, in creation order
     */
    static ReplicationLog recover(BlockVolume volume, Map<Long, Recovered> groups) throws VolumeException {
        Map<Long, GroupSpec> specs = new LinkedHashMap<>();
        Map<Long, HardState> hards = new LinkedHashMap<>();
        Map<Long, TreeMap<Long, Entry>> entries = new LinkedHashMap<>();
        WalScanner.Result scan = WalScanner.scan(volume, 1, r -> {
            switch (r.type()) {
                case GROUP -> specs.putIfAbsent(r.group(), new GroupSpec(r.chunkId(), r.length(),
                        GroupSpec.decodeMembers(bytes(r.payload()))));
                case RAFT_ENTRY -> entries.computeIfAbsent(r.group(), g -> new TreeMap<>())
                        .put(r.index(), RaftCodec.decodeEntry(r.payload().duplicate()));
                case RAFT_TRUNCATE -> entries.computeIfAbsent(r.group(), g -> new TreeMap<>())
                        .tailMap(r.index(), false).clear();
                case RAFT_HARD_STATE -> {
                    HardState h = RaftCodec.decodeHardState(r.payload().duplicate());
                    hards.put(r.group(), h);
                    entries.computeIfAbsent(r.group(), g -> new TreeMap<>()).headMap(h.compactIndex(), true).clear();
                }
                default -> throw new IllegalStateException("record type " + r.type() + " in the replication log");
            }
        });
        specs.forEach((g, spec) -> groups.put(g, new Recovered(spec, hards.getOrDefault(g, HardState.EMPTY),
                new ArrayList<>(entries.getOrDefault(g, new TreeMap<>()).values()))));
        LOG.info("replication log: {} groups, {} records in {} frames; ends at {} ({})", specs.size(), scan.records(),
                scan.frames(), scan.endPosition(), scan.stopReason());
        return new ReplicationLog(new WalWriter(volume, scan.endPosition(), scan.nextSequence(),
                new FrameBufferPool(4L * MAX_FRAME_RECORDS + (1 << 20))));
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /** @return the record creating a group */
    static WalRecord group(GroupSpec spec) {
        return new WalRecord(WalRecordType.GROUP, spec.chunkId(), 0, 0, spec.chunkId(), 0, 0, spec.size(),
                ByteBuffer.wrap(spec.encodeMembers()));
    }

    /** @return the record logging {@code e} for {@code group} */
    static WalRecord entry(long group, Entry e) {
        return new WalRecord(WalRecordType.RAFT_ENTRY, group, e.term(), e.index(), group, 0, 0, 0,
                RaftCodec.encodeEntry(e));
    }

    /** @return the record dropping {@code group}'s entries above {@code index} */
    static WalRecord truncate(long group, long index) {
        return new WalRecord(WalRecordType.RAFT_TRUNCATE, group, 0, index, group, 0, 0, 0, ByteBuffer.allocate(0));
    }

    /** @return the record of {@code group}'s hard state */
    static WalRecord hardState(long group, HardState h) {
        return new WalRecord(WalRecordType.RAFT_HARD_STATE, group, h.term(), h.commit(), group, 0, 0, 0,
                RaftCodec.encodeHardState(h));
    }

    /**
     * Makes {@code records} durable, in order, in as few frames as their size allows.
     *
     * @return how many FUA writes it took
     * @throws VolumeException if a write failed or the log is full; the log is then unusable
     */
    int append(List<WalRecord> records) throws VolumeException {
        int writes = 0;
        int from = 0;
        while (from < records.size()) {
            int to = from;
            int bytes = 0;
            while (to < records.size() && (to == from || bytes + records.get(to).encodedLength() <= MAX_FRAME_RECORDS)) {
                bytes += records.get(to).encodedLength();
                to++;
            }
            List<WalRecord> frameRecords = records.subList(from, to);
            ByteBuffer frame = writer.append(frameRecords, new int[frameRecords.size()]);
            writer.releaseFrame(frame);
            writes++;
            from = to;
        }
        return writes;
    }
}
