package dev.pfs.core.paxos;

import static dev.pfs.core.paxos.DiskPaxosDescriptor.PAGE_SIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class DiskPaxosDescriptorTest {
    private static final int HOSTS = 8;

    @Test
    void regionHasTwoCopiesOfTheLeaderRecordAndOfEveryBlock() {
        assertThat(DiskPaxosDescriptor.regionSize(1)).isEqualTo(4 * PAGE_SIZE);
        assertThat(DiskPaxosDescriptor.regionSize(HOSTS)).isEqualTo(18L * PAGE_SIZE);
        assertThat(DiskPaxosDescriptor.blockOffset(1)).isEqualTo(2L * PAGE_SIZE);
        assertThat(DiskPaxosDescriptor.blockOffset(HOSTS) + 2 * PAGE_SIZE).isEqualTo(
                DiskPaxosDescriptor.regionSize(HOSTS));
        assertThatThrownBy(() -> DiskPaxosDescriptor.regionSize(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void leaderRecordRoundTrips() {
        LeaderRecord r = new LeaderRecord(7, 3, 99, 123_456, true, 2_000_000_000L, 42);
        ByteBuffer page = ByteBuffer.allocate(PAGE_SIZE);
        DiskPaxosDescriptor.encodeLeader(page, HOSTS, r);
        assertThat(DiskPaxosDescriptor.checkLeader(page, HOSTS)).isNull();
        assertThat(DiskPaxosDescriptor.decodeLeader(page)).isEqualTo(r);
    }

    @Test
    void blockRoundTrips() {
        DiskBlock b = new DiskBlock(5, 11, 7, 8 * HOSTS + 4, 8 * HOSTS + 4, 5, 7);
        ByteBuffer page = ByteBuffer.allocate(PAGE_SIZE);
        DiskPaxosDescriptor.encodeBlock(page, HOSTS, b);
        assertThat(DiskPaxosDescriptor.checkBlock(page, HOSTS, 5)).isNull();
        assertThat(DiskPaxosDescriptor.decodeBlock(page)).isEqualTo(b);
    }

    @Test
    void aTornPageFailsItsCrc() {
        ByteBuffer page = ByteBuffer.allocate(PAGE_SIZE);
        DiskPaxosDescriptor.encodeBlock(page, HOSTS, new DiskBlock(2, 1, 3, 9, 9, 2, 3));
        ByteBuffer older = ByteBuffer.allocate(PAGE_SIZE);
        DiskPaxosDescriptor.encodeBlock(older, HOSTS, new DiskBlock(2, 0, 2, 4, 0, 0, 0));
        // The first sector landed, the rest is the older page.
        older.put(0, page, 0, 512);
        assertThat(DiskPaxosDescriptor.checkBlock(older, HOSTS, 2)).contains("CRC32C mismatch");
    }

    @Test
    void rejectsPagesThatCannotBeValid() {
        ByteBuffer zeros = ByteBuffer.allocate(PAGE_SIZE);
        assertThat(DiskPaxosDescriptor.checkLeader(zeros, HOSTS)).contains("not formatted");
        assertThat(DiskPaxosDescriptor.checkLeader(ByteBuffer.allocate(512), HOSTS)).contains("512 bytes");

        ByteBuffer block = ByteBuffer.allocate(PAGE_SIZE);
        DiskPaxosDescriptor.encodeBlock(block, HOSTS, DiskBlock.empty(4));
        assertThat(DiskPaxosDescriptor.checkLeader(block, HOSTS)).as("a block is no leader record")
                .contains("magic");
        assertThat(DiskPaxosDescriptor.checkBlock(block, HOSTS, 3)).contains("names host 4");
        assertThat(DiskPaxosDescriptor.checkBlock(block, HOSTS + 1, 4)).contains("formatted for 8 hosts");

        DiskPaxosDescriptor.encodeBlock(block, HOSTS, new DiskBlock(4, 0, 3, 5, 9, 4, 3));
        assertThat(DiskPaxosDescriptor.checkBlock(block, HOSTS, 4)).contains("mbal 5 < bal 9");
        DiskPaxosDescriptor.encodeBlock(block, HOSTS, new DiskBlock(4, 0, 3, 9, 9, 4, 2));
        assertThat(DiskPaxosDescriptor.checkBlock(block, HOSTS, 4)).contains("holds value (4, 2) for instance 3");

        ByteBuffer leader = ByteBuffer.allocate(PAGE_SIZE);
        DiskPaxosDescriptor.encodeLeader(leader, HOSTS, new LeaderRecord(3, 0, 0, 0, false, 0, 0));
        assertThat(DiskPaxosDescriptor.checkLeader(leader, HOSTS)).contains("host 0 at epoch 3");
        DiskPaxosDescriptor.encodeLeader(leader, HOSTS, new LeaderRecord(3, 9, 0, 0, false, 0, 0));
        assertThat(DiskPaxosDescriptor.checkLeader(leader, HOSTS)).contains("host 9 at epoch 3");
    }

    @Test
    void aNewerFormatVersionIsNamed() {
        ByteBuffer page = ByteBuffer.allocate(PAGE_SIZE);
        DiskPaxosDescriptor.encodeLeader(page, HOSTS, LeaderRecord.NEVER_HELD);
        page.order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(DiskPaxosDescriptor.VERSION_OFFSET, 2);
        // Re-seal the CRC so that only the version is wrong.
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(page.slice(0, DiskPaxosDescriptor.CRC_OFFSET));
        page.putInt(DiskPaxosDescriptor.CRC_OFFSET, (int) crc.getValue());
        assertThat(DiskPaxosDescriptor.checkLeader(page, HOSTS)).contains("format version 2");
    }
}
