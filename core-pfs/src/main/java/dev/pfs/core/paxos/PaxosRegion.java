package dev.pfs.core.paxos;

import static dev.pfs.core.paxos.DiskPaxosDescriptor.COPIES;
import static dev.pfs.core.paxos.DiskPaxosDescriptor.PAGE_SIZE;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.VolumeException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Reads and writes the pages of a paxos region on a volume. Each call is one volume request,
 * so that a test stepping contenders one call at a time interleaves them at every I/O.
 */
final class PaxosRegion {
    private static final int PAIR = COPIES * PAGE_SIZE;

    private final BlockVolume volume;
    private final long offset;
    private final int maxHosts;

    PaxosRegion(BlockVolume volume, long offset, int maxHosts) {
        DiskPaxosDescriptor.checkMaxHosts(maxHosts);
        if (offset < 0 || offset % BlockVolume.SECTOR_SIZE != 0) {
            throw new IllegalArgumentException("paxos region offset " + offset + " is not a multiple of "
                    + BlockVolume.SECTOR_SIZE);
        }
        long end = offset + DiskPaxosDescriptor.regionSize(maxHosts);
        if (end > volume.size()) {
            throw new IllegalArgumentException("paxos region [" + offset + ", " + end + ") exceeds the volume of "
                    + volume.size() + " bytes");
        }
        this.volume = volume;
        this.offset = offset;
        this.maxHosts = maxHosts;
    }

    int maxHosts() {
        return maxHosts;
    }

    /**
     * The two copies of the leader record.
     *
     * @param raw     both pages as read, to notice any write by anyone
     * @param newest  the valid copy with the highest (epoch, seq), or null if neither is valid
     * @param target  the copy a writer overwrites next: never the newest valid one
     * @param nextSeq the seq for that write
     * @param problem why no copy is valid, when {@code newest} is null
     */
    record LeaderView(byte[] raw, LeaderRecord newest, int target, long nextSeq, String problem) {
        boolean sameBytes(LeaderView other) {
            return Arrays.equals(raw, other.raw);
        }
    }

    /**
     * The two copies of a host block.
     *
     * @param newest  the valid copy with the higher seq, or null if neither is valid
     * @param target  the copy the owner overwrites next: never the newest valid one
     * @param nextSeq the seq for that write
     * @param problem why no copy is valid, when {@code newest} is null
     */
    record BlockView(DiskBlock newest, int target, long nextSeq, String problem) {
    }

    /** Every record of the region, read with one request. */
    record Survey(LeaderView leader, BlockView[] blocks) {
        BlockView block(int hostId) {
            return blocks[hostId - 1];
        }
    }

    /** Reads the whole region in one request. */
    Survey survey() throws PaxosException {
        ByteBuffer all = read(0, (int) DiskPaxosDescriptor.regionSize(maxHosts));
        LeaderView leader = leader(all.slice(0, PAIR));
        BlockView[] blocks = new BlockView[maxHosts];
        for (int host = 1; host <= maxHosts; host++) {
            blocks[host - 1] = block(all.slice((int) DiskPaxosDescriptor.blockOffset(host), PAIR), host);
        }
        return new Survey(leader, blocks);
    }

    /** Reads both copies of the leader record. */
    LeaderView readLeader() throws PaxosException {
        return leader(read(0, PAIR));
    }

    /** Reads both copies of host {@code hostId}'s block. */
    BlockView readBlock(int hostId) throws PaxosException {
        return block(read(DiskPaxosDescriptor.blockOffset(hostId), PAIR), hostId);
    }

    /** Writes copy {@code copy} of the leader record with the holder's epoch, durably (FUA). */
    void writeLeader(int copy, LeaderRecord r, long epoch) throws PaxosException {
        ByteBuffer page = ByteBuffer.allocate(PAGE_SIZE);
        DiskPaxosDescriptor.encodeLeader(page, maxHosts, r);
        write(DiskPaxosDescriptor.leaderOffset(copy), page, epoch);
    }

    /**
     * Writes copy {@code copy} of a host block durably (FUA), with the newest epoch the writer
     * saw in the leader record: a fencing volume accepts it while no newer holder wrote, and
     * refuses it (LOST) once one did, which ends the writer's round.
     */
    void writeBlock(int copy, DiskBlock b, long fenceEpoch) throws PaxosException {
        ByteBuffer page = ByteBuffer.allocate(PAGE_SIZE);
        DiskPaxosDescriptor.encodeBlock(page, maxHosts, b);
        write(DiskPaxosDescriptor.blockOffset(b.hostId()) + (long) copy * PAGE_SIZE, page, fenceEpoch);
    }

    /** Writes both copies of an empty leader record and of every host block, durably. */
    void format() throws PaxosException {
        ByteBuffer all = ByteBuffer.allocate((int) DiskPaxosDescriptor.regionSize(maxHosts));
        for (int copy = 0; copy < COPIES; copy++) {
            LeaderRecord never = new LeaderRecord(0, 0, 0, 0, false, 0, copy);
            DiskPaxosDescriptor.encodeLeader(all.position((int) DiskPaxosDescriptor.leaderOffset(copy)), maxHosts,
                    never);
            for (int host = 1; host <= maxHosts; host++) {
                DiskBlock empty = new DiskBlock(host, copy, 0, 0, 0, 0, 0);
                int at = (int) DiskPaxosDescriptor.blockOffset(host) + copy * PAGE_SIZE;
                DiskPaxosDescriptor.encodeBlock(all.position(at), maxHosts, empty);
            }
        }
        write(0, all.position(0), BlockVolume.NO_EPOCH);
        try {
            VolumeException.await(volume.flush());
        } catch (VolumeException e) {
            throw ioFailure("flush", 0, e);
        }
    }

    private LeaderView leader(ByteBuffer pair) {
        byte[] raw = new byte[PAIR];
        pair.duplicate().get(raw);
        LeaderRecord[] copies = new LeaderRecord[COPIES];
        String problem = null;
        for (int c = 0; c < COPIES; c++) {
            ByteBuffer page = pair.slice(c * PAGE_SIZE, PAGE_SIZE);
            String p = DiskPaxosDescriptor.checkLeader(page, maxHosts);
            if (p == null) {
                copies[c] = DiskPaxosDescriptor.decodeLeader(page);
            } else {
                problem = (problem == null ? "" : problem + "; ") + "copy " + (char) ('A' + c) + ": " + p;
            }
        }
        int newest = newerLeader(copies[0], copies[1]);
        long maxSeq = Math.max(seq(copies[0]), seq(copies[1]));
        return new LeaderView(raw, newest < 0 ? null : copies[newest], newest == 0 ? 1 : 0, maxSeq + 1,
                newest < 0 ? problem : null);
    }

    private BlockView block(ByteBuffer pair, int hostId) {
        DiskBlock[] copies = new DiskBlock[COPIES];
        String problem = null;
        for (int c = 0; c < COPIES; c++) {
            ByteBuffer page = pair.slice(c * PAGE_SIZE, PAGE_SIZE);
            String p = DiskPaxosDescriptor.checkBlock(page, maxHosts, hostId);
            if (p == null) {
                copies[c] = DiskPaxosDescriptor.decodeBlock(page);
            } else {
                problem = (problem == null ? "" : problem + "; ") + "copy " + (char) ('A' + c) + ": " + p;
            }
        }
        int newest = copies[0] == null ? (copies[1] == null ? -1 : 1)
                : (copies[1] == null || copies[0].seq() > copies[1].seq() ? 0 : 1);
        long maxSeq = Math.max(copies[0] == null ? -1 : copies[0].seq(), copies[1] == null ? -1 : copies[1].seq());
        return new BlockView(newest < 0 ? null : copies[newest], newest == 0 ? 1 : 0, maxSeq + 1,
                newest < 0 ? problem : null);
    }

    /** @return the index of the newer valid copy by (epoch, seq): a deposed holder never hides its successor */
    private static int newerLeader(LeaderRecord a, LeaderRecord b) {
        if (a == null) {
            return b == null ? -1 : 1;
        }
        if (b == null) {
            return 0;
        }
        int byEpoch = Long.compare(a.epoch(), b.epoch());
        return byEpoch > 0 || (byEpoch == 0 && a.seq() > b.seq()) ? 0 : 1;
    }

    private static long seq(LeaderRecord r) {
        return r == null ? -1 : r.seq();
    }

    private ByteBuffer read(long at, int length) throws PaxosException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        try {
            VolumeException.await(volume.read(offset + at, buf));
        } catch (VolumeException e) {
            throw ioFailure("read", at, e);
        }
        return buf.flip();
    }

    private void write(long at, ByteBuffer page, long epoch) throws PaxosException {
        try {
            VolumeException.await(volume.write(offset + at, page, epoch, true));
        } catch (VolumeException e) {
            if (e.kind() == VolumeException.Kind.STALE_EPOCH) {
                throw PaxosException.lost("the volume refused a write at epoch " + epoch
                        + ": a newer RW holder has written it (" + e.getMessage() + ")");
            }
            throw ioFailure("write", at, e);
        }
    }

    private PaxosException ioFailure(String op, long at, VolumeException e) {
        return PaxosException.io("paxos region " + op + " at volume offset " + (offset + at) + " failed: "
                + e.getMessage(), e);
    }
}
