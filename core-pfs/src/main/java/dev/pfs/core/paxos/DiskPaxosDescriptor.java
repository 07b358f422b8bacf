package dev.pfs.core.paxos;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The binary layout of the Disk Paxos region of a volume: 4 KB pages, each written whole with
 * a CRC32C in its last four bytes so that a torn write (a crash that landed only some of its
 * 512 B sectors) is detected.
 *
 * <p>Every record is kept in two copies, A and B, in adjacent pages. A writer always
 * overwrites the copy that is not the newest valid one, so a torn write can only damage the
 * copy being written: the other copy still holds the record's last acknowledged value. A
 * torn copy therefore reads as "this write did not happen", which is exactly what Disk Paxos
 * allows of a write that did not complete (see {@code docs/disk-paxos.md}).
 *
 * <pre>
 * region (regionSize(maxHosts) bytes, at a 512 B aligned offset of the volume)
 * +------------------+------------------+------------------+------------------+-----
 * | leader record A  | leader record B  | block of host 1 A| block of host 1 B| ...
 * +------------------+------------------+------------------+------------------+-----
 *   page 0             page 1             page 2             page 3          page 2+2k: host k+1
 *
 * leader record page (written only by the RW holder, with its epoch)
 *  0                   8        12       16                24
 * +-------------------+--------+--------+-----------------+
 * | magic "PFSPAXLR"  | version|maxHosts|  seq            |
 * +-------------------+--------+--------+-----------------+
 * 24                  32       36       40                48
 * | epoch             | hostId | flags  |  heartbeat      |
 * +-------------------+--------+--------+-----------------+
 * 48                  56                64          4092      4096
 * | journalAnchor     | leaseNanos      | zeros ... | crc32c |
 * +-------------------+-----------------+-----------+--------+
 *   flags bit 0: released (the holder handed the volume back)
 *
 * host block page (written only by its own host, without an epoch)
 *  0                   8        12       16                24
 * +-------------------+--------+--------+-----------------+
 * | magic "PFSPAXBK"  | version|maxHosts|  seq            |
 * +-------------------+--------+--------+-----------------+
 * 24       28         32                40                48
 * | hostId | zero     | instance        |  mbal           |
 * +--------+----------+-----------------+-----------------+
 * 48                  56       60       64                72          4092      4096
 * | bal               | inpHost| zero   |  inpEpoch       | zeros ... | crc32c |
 * +-------------------+--------+--------+-----------------+-----------+--------+
 * </pre>
 *
 * All integers are little-endian. {@code seq} orders the two copies of a record; the CRC covers
 * bytes 0 to 4091. A host block belongs to the Paxos instance {@code instance} (= the epoch
 * being decided); {@code mbal} and {@code bal} are the paper's ballot numbers and
 * {@code (inpHost, inpEpoch)} the value accepted at ballot {@code bal}.
 */
public final class DiskPaxosDescriptor {
    /** Size of every page of the region. */
    public static final int PAGE_SIZE = 4096;
    /** Pages per record: copies A and B. */
    public static final int COPIES = 2;
    /** Format version written by this code. */
    public static final int VERSION = 1;
    /** The largest number of host slots a region may have. */
    public static final int MAX_HOSTS = 1024;

    /** "PFSPAXLR" little-endian. */
    public static final long LEADER_MAGIC = magic("PFSPAXLR");
    /** "PFSPAXBK" little-endian. */
    public static final long BLOCK_MAGIC = magic("PFSPAXBK");

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int MAX_HOSTS_OFFSET = 12;
    public static final int SEQ_OFFSET = 16;

    public static final int LEADER_EPOCH_OFFSET = 24;
    public static final int LEADER_HOST_OFFSET = 32;
    public static final int LEADER_FLAGS_OFFSET = 36;
    public static final int LEADER_HEARTBEAT_OFFSET = 40;
    public static final int LEADER_ANCHOR_OFFSET = 48;
    public static final int LEADER_LEASE_OFFSET = 56;
    /** Leader flag: the holder released the volume. */
    public static final int FLAG_RELEASED = 1;

    public static final int BLOCK_HOST_OFFSET = 24;
    public static final int BLOCK_INSTANCE_OFFSET = 32;
    public static final int BLOCK_MBAL_OFFSET = 40;
    public static final int BLOCK_BAL_OFFSET = 48;
    public static final int BLOCK_INP_HOST_OFFSET = 56;
    public static final int BLOCK_INP_EPOCH_OFFSET = 64;

    /** The CRC32C of bytes [0, CRC_OFFSET). */
    public static final int CRC_OFFSET = PAGE_SIZE - 4;

    private DiskPaxosDescriptor() {
    }

    /** @return bytes of a region with {@code maxHosts} host slots */
    public static long regionSize(int maxHosts) {
        checkMaxHosts(maxHosts);
        return (long) (COPIES + COPIES * maxHosts) * PAGE_SIZE;
    }

    /** @return the offset within the region of copy {@code copy} (0 or 1) of the leader record */
    public static long leaderOffset(int copy) {
        return (long) copy * PAGE_SIZE;
    }

    /** @return the offset within the region of copy A of host {@code hostId}'s block */
    public static long blockOffset(int hostId) {
        return (long) COPIES * hostId * PAGE_SIZE;
    }

    /** @throws IllegalArgumentException unless 1 &lt;= maxHosts &lt;= {@link #MAX_HOSTS} */
    public static void checkMaxHosts(int maxHosts) {
        if (maxHosts < 1 || maxHosts > MAX_HOSTS) {
            throw new IllegalArgumentException("maxHosts " + maxHosts + " is not in [1, " + MAX_HOSTS + "]");
        }
    }

    /** Writes {@code r} into the 4 KB page at {@code page}'s position, with its CRC. */
    public static void encodeLeader(ByteBuffer page, int maxHosts, LeaderRecord r) {
        ByteBuffer p = clear(page);
        p.putLong(MAGIC_OFFSET, LEADER_MAGIC);
        p.putInt(VERSION_OFFSET, VERSION);
        p.putInt(MAX_HOSTS_OFFSET, maxHosts);
        p.putLong(SEQ_OFFSET, r.seq());
        p.putLong(LEADER_EPOCH_OFFSET, r.epoch());
        p.putInt(LEADER_HOST_OFFSET, r.hostId());
        p.putInt(LEADER_FLAGS_OFFSET, r.released() ? FLAG_RELEASED : 0);
        p.putLong(LEADER_HEARTBEAT_OFFSET, r.heartbeat());
        p.putLong(LEADER_ANCHOR_OFFSET, r.journalAnchor());
        p.putLong(LEADER_LEASE_OFFSET, r.leaseNanos());
        p.putInt(CRC_OFFSET, crc(p));
    }

    /** Decodes a page that passed {@link #checkLeader}. */
    public static LeaderRecord decodeLeader(ByteBuffer page) {
        ByteBuffer p = view(page);
        return new LeaderRecord(
                p.getLong(LEADER_EPOCH_OFFSET),
                p.getInt(LEADER_HOST_OFFSET),
                p.getLong(LEADER_HEARTBEAT_OFFSET),
                p.getLong(LEADER_ANCHOR_OFFSET),
                (p.getInt(LEADER_FLAGS_OFFSET) & FLAG_RELEASED) != 0,
                p.getLong(LEADER_LEASE_OFFSET),
                p.getLong(SEQ_OFFSET));
    }

    /** Writes {@code b} into the 4 KB page at {@code page}'s position, with its CRC. */
    public static void encodeBlock(ByteBuffer page, int maxHosts, DiskBlock b) {
        ByteBuffer p = clear(page);
        p.putLong(MAGIC_OFFSET, BLOCK_MAGIC);
        p.putInt(VERSION_OFFSET, VERSION);
        p.putInt(MAX_HOSTS_OFFSET, maxHosts);
        p.putLong(SEQ_OFFSET, b.seq());
        p.putInt(BLOCK_HOST_OFFSET, b.hostId());
        p.putLong(BLOCK_INSTANCE_OFFSET, b.instance());
        p.putLong(BLOCK_MBAL_OFFSET, b.mbal());
        p.putLong(BLOCK_BAL_OFFSET, b.bal());
        p.putInt(BLOCK_INP_HOST_OFFSET, b.inpHost());
        p.putLong(BLOCK_INP_EPOCH_OFFSET, b.inpEpoch());
        p.putInt(CRC_OFFSET, crc(p));
    }

    /** Decodes a page that passed {@link #checkBlock}. */
    public static DiskBlock decodeBlock(ByteBuffer page) {
        ByteBuffer p = view(page);
        return new DiskBlock(
                p.getInt(BLOCK_HOST_OFFSET),
                p.getLong(SEQ_OFFSET),
                p.getLong(BLOCK_INSTANCE_OFFSET),
                p.getLong(BLOCK_MBAL_OFFSET),
                p.getLong(BLOCK_BAL_OFFSET),
                p.getInt(BLOCK_INP_HOST_OFFSET),
                p.getLong(BLOCK_INP_EPOCH_OFFSET));
    }

    /**
     * Checks a leader record page.
     *
     * @return null if the page is a valid leader record of a region with {@code maxHosts}
     *     slots, else why not
     */
    public static String checkLeader(ByteBuffer page, int maxHosts) {
        String problem = checkCommon(page, LEADER_MAGIC, maxHosts);
        if (problem != null) {
            return problem;
        }
        ByteBuffer p = view(page);
        long epoch = p.getLong(LEADER_EPOCH_OFFSET);
        int host = p.getInt(LEADER_HOST_OFFSET);
        if (epoch < 0 || host < 0 || host > maxHosts || (epoch == 0) != (host == 0)) {
            return "leader record names host " + host + " at epoch " + epoch;
        }
        if ((p.getInt(LEADER_FLAGS_OFFSET) & ~FLAG_RELEASED) != 0 || p.getLong(LEADER_LEASE_OFFSET) < 0) {
            return "leader record has unknown flags or a negative lease";
        }
        return null;
    }

    /**
     * Checks the page of host block {@code hostId}.
     *
     * @return null if the page is a valid block of that host, else why not
     */
    public static String checkBlock(ByteBuffer page, int maxHosts, int hostId) {
        String problem = checkCommon(page, BLOCK_MAGIC, maxHosts);
        if (problem != null) {
            return problem;
        }
        DiskBlock b = decodeBlock(page);
        if (b.hostId() != hostId) {
            return "block of slot " + hostId + " names host " + b.hostId();
        }
        if (b.instance() < 0 || b.bal() < 0 || b.mbal() < b.bal()) {
            return "block of host " + hostId + " has ballots mbal " + b.mbal() + " < bal " + b.bal();
        }
        boolean accepted = b.bal() > 0;
        boolean valueOk = accepted
                ? b.inpHost() >= 1 && b.inpHost() <= maxHosts && b.inpEpoch() == b.instance()
                : b.inpHost() == 0 && b.inpEpoch() == 0;
        return valueOk ? null : "block of host " + hostId + " holds value (" + b.inpHost() + ", " + b.inpEpoch()
                + ") for instance " + b.instance() + " at ballot " + b.bal();
    }

    private static String checkCommon(ByteBuffer page, long magic, int maxHosts) {
        if (page.remaining() < PAGE_SIZE) {
            return "page of " + page.remaining() + " bytes, expected " + PAGE_SIZE;
        }
        ByteBuffer p = view(page);
        if (p.getLong(MAGIC_OFFSET) != magic) {
            return "no paxos page magic (not formatted, or overwritten)";
        }
        if (p.getInt(CRC_OFFSET) != crc(p)) {
            return "CRC32C mismatch (torn or corrupt page)";
        }
        if (p.getInt(VERSION_OFFSET) != VERSION) {
            return "paxos page format version " + p.getInt(VERSION_OFFSET) + ", this code knows " + VERSION;
        }
        if (p.getInt(MAX_HOSTS_OFFSET) != maxHosts) {
            return "region formatted for " + p.getInt(MAX_HOSTS_OFFSET) + " hosts, expected " + maxHosts;
        }
        return null;
    }

    /** @return a little-endian view of the page at {@code page}'s position, position 0 */
    private static ByteBuffer view(ByteBuffer page) {
        return page.slice(page.position(), PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer clear(ByteBuffer page) {
        ByteBuffer p = view(page);
        for (int i = 0; i < PAGE_SIZE; i += Long.BYTES) {
            p.putLong(i, 0);
        }
        return p;
    }

    private static int crc(ByteBuffer p) {
        CRC32C crc = new CRC32C();
        crc.update(p.slice(0, CRC_OFFSET));
        return (int) crc.getValue();
    }

    private static long magic(String s) {
        long m = 0;
        for (int i = 7; i >= 0; i--) {
            m = (m << 8) | s.charAt(i);
        }
        return m;
    }
}
