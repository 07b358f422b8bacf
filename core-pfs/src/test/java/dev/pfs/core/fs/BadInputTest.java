package dev.pfs.core.fs;

import static dev.pfs.core.OpenFlags.O_CREAT;
import static dev.pfs.core.OpenFlags.O_WRONLY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.core.Errno;
import dev.pfs.core.FsckReport;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.layout.JournalDescriptor;
import dev.pfs.core.layout.Superblock;
import dev.pfs.core.layout.SuperblockDescriptor;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each bad input of the issue gets a clear error and leaves the file system as it was. */
@Timeout(60)
class BadInputTest {
    private static final long SIZE = 32L << 20;
    private static final MountOptions SHORT_LEASE =
            new MountOptions(true, 0, Duration.ofSeconds(1), Duration.ofMillis(20));

    private static FaultyVolume formatted() throws PfsException {
        FaultyVolume v = FaultyVolume.create(SIZE, 7);
        Pfs.mkfs(v, new MkfsOptions(8L << 20, 4));
        return v;
    }

    private static byte[] image(BlockVolume v) throws Exception {
        ByteBuffer b = ByteBuffer.allocate((int) v.size());
        v.read(0, b).get();
        return b.array();
    }

    private static void assertMountFails(BlockVolume v, Errno errno, String message) throws Exception {
        byte[] before = image(v);
        assertThatThrownBy(() -> Pfs.mount(v, MountOptions.readWrite(0)))
                .isInstanceOf(PfsException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((PfsException) e).errno()).isEqualTo(errno));
        assertThat(Arrays.equals(image(v), before)).as("the volume is unchanged").isTrue();
    }

    @Test
    void refusesAVolumeThatIsNotPfs() throws Exception {
        FaultyVolume v = FaultyVolume.create(SIZE, 1);
        v.write(0, ByteBuffer.wrap(Arrays.copyOf("some other file system".repeat(40).getBytes(), 1024))).get();
        assertMountFails(v, Errno.EINVAL, "not a pfs volume");
        assertThatThrownBy(() -> Pfs.info(v)).hasMessageContaining("not a pfs volume");
        assertThatThrownBy(() -> Pfs.fsck(v, true)).hasMessageContaining("not a pfs volume");
    }

    @Test
    void refusesANewerFormat() throws Exception {
        FaultyVolume v = formatted();
        ByteBuffer sector = ByteBuffer.allocateDirect(512);
        v.read(0, sector).get();
        Superblock sb = SuperblockDescriptor.decode(sector.clear(), v.size());
        Superblock newer = new Superblock(SuperblockDescriptor.FORMAT_VERSION + 1, sb.uuid(), sb.volumeSize(),
                sb.chunkSize(), sb.blockSize(), sb.maxHosts(), sb.paxosOffset(), sb.paxosSize(), sb.journalOffset(),
                sb.journalSize(), sb.inodesPerChunk(), sb.direntsPerChunk(), sb.tagsPerChunk(), sb.createdNs(),
                sb.xattrsPerChunk());
        v.write(0, SuperblockDescriptor.encode(newer)).get();
        assertMountFails(v, Errno.EINVAL, "newer than this pfs understands");
    }

    @Test
    void refusesATornSuperblock() throws Exception {
        FaultyVolume v = formatted();
        ByteBuffer sector = ByteBuffer.allocateDirect(512);
        v.read(0, sector).get();
        sector.put(40, (byte) (sector.get(40) ^ 0x10));
        v.write(0, sector.clear()).get();
        assertMountFails(v, Errno.EINVAL, "torn or corrupt");
    }

    @Test
    void refusesACorruptJournalRecordAndFsckRepairsIt() throws Exception {
        FaultyVolume v = formatted();
        TestClock still = new TestClock();
        still.freeze();
        Pfs fs = FileSystems.mount(v, SHORT_LEASE, new FileSystems.MountHooks(still, false, () -> { }));
        long root = fs.open("/", dev.pfs.core.OpenFlags.O_RDONLY, 0);
        for (String d : new String[] {"/a", "/b", "/c"}) {
            fs.mkdir(d, 0755);
            fs.fsync(root);
        }
        FaultyVolume crashed = v.restart();
        ByteBuffer sector = ByteBuffer.allocateDirect(512);
        crashed.read(0, sector).get();
        Superblock sb = SuperblockDescriptor.decode(sector.clear(), crashed.size());
        ByteBuffer header = ByteBuffer.allocateDirect(512);
        crashed.read(sb.journalOffset(), header).get();
        JournalDescriptor.Header h = JournalDescriptor.decodeHeader(header.clear(), sb.journalSize());
        long first = sb.journalOffset() + JournalDescriptor.HEADER_SIZE + h.anchorOffset();
        ByteBuffer rec = ByteBuffer.allocateDirect(4096);
        crashed.read(first, rec).get();
        rec.put(100, (byte) (rec.get(100) ^ 0x01));
        crashed.write(first, rec.clear()).get();

        FsckReport report = Pfs.fsck(crashed, false);
        assertThat(report.problems()).anySatisfy(p -> assertThat(p).contains("journal record").contains("corrupt"));
        byte[] before = image(crashed);
        assertThatThrownBy(() -> Pfs.mount(crashed, SHORT_LEASE)).isInstanceOf(PfsException.class)
                .hasMessageContaining("journal record").hasMessageContaining("corrupt")
                .satisfies(e -> assertThat(((PfsException) e).errno()).isEqualTo(Errno.EIO));
        byte[] after = image(crashed);
        Arrays.fill(before, (int) sb.paxosOffset(), (int) (sb.paxosOffset() + sb.paxosSize()), (byte) 0);
        Arrays.fill(after, (int) sb.paxosOffset(), (int) (sb.paxosOffset() + sb.paxosSize()), (byte) 0);
        assertThat(Arrays.equals(after, before)).as("only the paxos file changed").isTrue();

        FsckReport repaired = Pfs.fsck(crashed, true);
        assertThat(repaired.repaired()).isNotEmpty();
        assertThat(Pfs.fsck(crashed, false).problems()).isEmpty();
        try (Pfs again = Pfs.mount(crashed, SHORT_LEASE)) {
            assertThat(again.stat("/").nlink()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void aFullBackingStoreFailsTheCommitWithEnospcAbortsTheMountAndLosesNothingAcknowledged() throws Exception {
        FaultyVolume v = formatted();
        byte[] data = new byte[100_000];
        Arrays.fill(data, (byte) 7);
        try (Pfs fs = Pfs.mount(v, SHORT_LEASE)) {
            fs.mkdir("/keep", 0755);
            long w = fs.open("/keep/w", O_CREAT | O_WRONLY, 0644);
            fs.write(w, ByteBuffer.wrap(data));
            fs.fsync(w);
            v.full(true);
            fs.mkdir("/new", 0755);
            long root = fs.open("/", dev.pfs.core.OpenFlags.O_RDONLY, 0);
            // The background commit may meet the full disk first: then it aborted the mount and
            // this fsync reports the abort (EIO) rather than the ENOSPC that caused it.
            assertThatThrownBy(() -> fs.fsync(root)).isInstanceOf(PfsException.class)
                    .satisfies(e -> assertThat(((PfsException) e).errno()).isIn(Errno.ENOSPC, Errno.EIO));
            assertThat(fs.stat("/new").nlink()).as("nothing a caller saw succeed is undone").isEqualTo(2);
            assertThatThrownBy(() -> fs.mkdir("/later", 0755)).isInstanceOf(PfsException.class)
                    .satisfies(e -> assertThat(((PfsException) e).errno()).isEqualTo(Errno.EIO))
                    .hasMessageContaining("mount again");
            assertThat(fs.stat("/keep/w").size()).as("reads go on").isEqualTo(data.length);
            v.full(false);
        }
        assertThat(Pfs.fsck(v, false).problems()).isEmpty();
        try (Pfs fs = Pfs.mount(v, SHORT_LEASE)) {
            assertThat(fs.stat("/keep/w").size()).isEqualTo(data.length);
            fs.mkdir("/again", 0755);
        }
    }

    @Test
    void secondReadWriteMountFailsNamingTheHolder() throws Exception {
        FaultyVolume v = formatted();
        long firstEpoch;
        try (Pfs first = Pfs.mount(v, SHORT_LEASE)) {
            firstEpoch = first.epoch();
            MountOptions other = new MountOptions(true, 2, Duration.ofSeconds(1), Duration.ofMillis(20));
            assertThatThrownBy(() -> Pfs.mount(v, other)).isInstanceOf(PfsException.class)
                    .hasMessageContaining("host 0")
                    .satisfies(e -> assertThat(((PfsException) e).errno()).isEqualTo(Errno.EBUSY));
            first.mkdir("/still-writable", 0755);
            long root = first.open("/", dev.pfs.core.OpenFlags.O_RDONLY, 0);
            first.fsync(root);
            first.close(root);
            assertThat(Pfs.info(v).rwHostId()).isZero();
            try (Pfs ro = Pfs.mount(v, MountOptions.readOnly(3))) {
                assertThat(ro.stat("/still-writable").nlink()).isEqualTo(2);
            }
        }
        try (Pfs next = Pfs.mount(v, new MountOptions(true, 2, Duration.ofSeconds(1), Duration.ofMillis(20)))) {
            assertThat(next.epoch()).isGreaterThan(firstEpoch);
            assertThat(next.stat("/still-writable").nlink()).isEqualTo(2);
        }
    }

    @Test
    void mkfsRefusesAVolumeTooSmall() {
        FaultyVolume v = FaultyVolume.create(1L << 20, 3);
        assertThatThrownBy(() -> Pfs.mkfs(v, new MkfsOptions(1L << 20, 4))).isInstanceOf(PfsException.class)
                .hasMessageContaining("too small");
    }
}
