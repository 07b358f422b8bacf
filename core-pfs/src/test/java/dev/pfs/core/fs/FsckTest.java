package dev.pfs.core.fs;

import static dev.pfs.core.OpenFlags.O_CREAT;
import static dev.pfs.core.OpenFlags.O_WRONLY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.core.Errno;
import dev.pfs.core.FsckReport;
import dev.pfs.core.MkfsOptions;
import dev.pfs.core.MountOptions;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.VolumeInfo;
import dev.pfs.core.layout.ChunkDescriptor;
import dev.pfs.core.layout.MetaSlotDescriptor;
import dev.pfs.core.layout.MetaType;
import dev.pfs.core.layout.Superblock;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** fsck finds damage in the metaobjects and repairs it; info reports the volume. */
@Timeout(60)
class FsckTest {
    private static FaultyVolume withFiles() throws PfsException {
        FaultyVolume v = FaultyVolume.create(32L << 20, 11);
        Pfs.mkfs(v, new MkfsOptions(8L << 20, 4));
        try (Pfs fs = Pfs.mount(v, MountOptions.readWrite(0))) {
            fs.mkdir("/d", 0755);
            long fd = fs.open("/d/f", O_CREAT | O_WRONLY, 0644);
            fs.write(fd, ByteBuffer.wrap(new byte[200_000]));
            fs.close(fd);
        }
        return v;
    }

    /** Overwrites slot {@code id} of {@code type} in place (the volume is unmounted, journal checkpointed). */
    private static void writeSlot(FaultyVolume v, MetaType type, long id, byte[] slot) throws Exception {
        Superblock sb = VolumeLoader.readSuperblock(v);
        ChunkDescriptor g = new ChunkDescriptor(sb);
        long at = g.sectorOffset(type, id) + (id % type.slotsPerSector()) * type.slotSize();
        long sector = at / 512 * 512;
        ByteBuffer b = ByteBuffer.allocate(512);
        v.read(sector, b).get();
        b.put((int) (at - sector), slot);
        v.write(sector, b.clear()).get();
    }

    @Test
    void findsAndFreesALeakedBlockTag() throws Exception {
        FaultyVolume v = withFiles();
        ByteBuffer tag = MetaSlotDescriptor.newSlot(MetaType.TAG);
        tag.putLong(MetaSlotDescriptor.TAG_OWNER, 999);
        tag.putLong(MetaSlotDescriptor.TAG_INDEX, 0);
        writeSlot(v, MetaType.TAG, 100, MetaSlotDescriptor.seal(tag));
        FsckReport r = Pfs.fsck(v, false);
        assertThat(r.problems()).singleElement().asString().contains("block tag 100").contains("not a live file");
        FsckReport fixed = Pfs.fsck(v, true);
        assertThat(fixed.repaired()).isNotEmpty();
        assertThat(Pfs.fsck(v, false).problems()).isEmpty();
    }

    @Test
    void corruptSlotFailsMountAndRepairDropsIt() throws Exception {
        FaultyVolume v = withFiles();
        byte[] garbage = new byte[MetaType.DIRENT.slotSize()];
        java.util.Arrays.fill(garbage, (byte) 0x5a);
        writeSlot(v, MetaType.DIRENT, 40, garbage);
        assertThatThrownBy(() -> Pfs.mount(v, MountOptions.readWrite(0))).isInstanceOf(PfsException.class)
                .hasMessageContaining("corrupt metaobject")
                .satisfies(e -> assertThat(((PfsException) e).errno()).isEqualTo(Errno.EIO));
        assertThat(Pfs.fsck(v, false).problems()).anySatisfy(p -> assertThat(p).contains("DIRENT 40"));
        Pfs.fsck(v, true);
        assertThat(Pfs.fsck(v, false).problems()).isEmpty();
        try (Pfs fs = Pfs.mount(v, MountOptions.readWrite(0))) {
            assertThat(fs.stat("/d/f").size()).isEqualTo(200_000);
        }
    }

    @Test
    void wrongLinkCountIsFound() throws Exception {
        FaultyVolume v = withFiles();
        Superblock sb = VolumeLoader.readSuperblock(v);
        VolumeLoader.Loaded l = VolumeLoader.load(v, null);
        long ino = l.store().lookup(l.store().lookup(1, "d").child(), "f").child();
        l.store().inode(ino).nlink = 5;
        byte[] slot = l.store().encode(MetaType.INODE, ino - 1);
        writeSlot(v, MetaType.INODE, ino - 1, slot);
        assertThat(sb.blockSize()).isEqualTo(64 << 10);
        assertThat(Pfs.fsck(v, false).problems()).singleElement().asString().contains("nlink 5 but 1");
        Pfs.fsck(v, true);
        assertThat(Pfs.fsck(v, false).problems()).isEmpty();
    }

    @Test
    void infoReportsSuperblockUsageAndHolder() throws Exception {
        FaultyVolume v = withFiles();
        VolumeInfo before = Pfs.info(v);
        assertThat(before.chunkSize()).isEqualTo(8L << 20);
        assertThat(before.chunks()).isEqualTo(4);
        assertThat(before.blockSize()).isEqualTo(64 << 10);
        assertThat(before.totalBlocks() - before.freeBlocks()).isEqualTo(4);
        assertThat(before.rwHostId()).isZero();
        assertThat(before.leaseValid()).isFalse();
        try (Pfs fs = Pfs.mount(v, MountOptions.readWrite(2))) {
            VolumeInfo held = Pfs.info(v);
            assertThat(held.rwHostId()).isEqualTo(2);
            assertThat(held.epoch()).isEqualTo(fs.epoch()).isGreaterThan(before.epoch());
            assertThat(held.leaseValid()).isTrue();
        }
    }
}
