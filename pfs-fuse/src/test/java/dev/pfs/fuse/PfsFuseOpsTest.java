package dev.pfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.core.OpenFlags;
import dev.pfs.core.PfsStat;
import dev.pfs.fuse.kernel.FuseFrames;
import dev.pfs.fuse.kernel.FuseOpcode;
import dev.pfs.fuse.kernel.FuseReplyDescriptor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The operations without a kernel: requests built as /dev/fuse delivers them, replies collected. */
class PfsFuseOpsTest {
    private final MemoryPfs pfs = new MemoryPfs();
    private final FuseFrames frames = new FuseFrames();
    private PfsFuseOps ops;
    private long a;
    private long b;

    @BeforeEach
    void files() throws Exception {
        pfs.close(pfs.open("/a", OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644));
        pfs.close(pfs.open("/b", OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644));
        a = pfs.stat("/a").ino();
        b = pfs.stat("/b").ino();
        ops = new PfsFuseOps(pfs, FuseMountOptions.defaults("test"));
    }

    private void lookup(String name) throws Exception {
        ops.handle(frames.start(FuseOpcode.LOOKUP, 1, 0, 0).putString(name, true).request(), frames.reply());
    }

    @Test
    void lookupsAndForgetsKeepTheKernelsCountExactly() throws Exception {
        lookup("a");
        lookup("a");
        lookup("b");
        assertThat(frames.replyLong(0, FuseReplyDescriptor.ENTRY_NODEID)).isEqualTo(a);
        assertThat(ops.nodes().lookups(a)).isEqualTo(2);
        ops.handle(frames.start(FuseOpcode.FORGET, a, 0, 0).putLong(1).request(), frames.reply());
        assertThat(ops.nodes().lookups(a)).isEqualTo(1);
        ops.handle(frames.start(FuseOpcode.BATCH_FORGET, 0, 0, 0).putInt(2).putInt(0)
                .putLong(a).putLong(1).putLong(b).putLong(1).request(), frames.reply());
        assertThat(ops.nodes().lookups(a)).isZero();
        assertThat(ops.nodes().lookups(b)).isZero();
        assertThat(frames.sent()).as("forgets are not answered").hasSize(3);
    }

    @Test
    void readdirplusCountsALookupForEveryEntryButDotAndDotDot() throws Exception {
        ops.handle(frames.start(FuseOpcode.OPENDIR, 1, 0, 0).putInt(0).putInt(0).request(), frames.reply());
        long fh = frames.replyLong(0, FuseReplyDescriptor.OPEN_FH);
        ops.handle(frames.start(FuseOpcode.READDIRPLUS, 1, 0, 0).putLong(fh).putLong(0).putInt(4096).putInt(0)
                .putLong(0).putInt(0).putInt(0).request(), frames.reply());
        assertThat(frames.error(1)).isZero();
        assertThat(ops.nodes().lookups(a)).isEqualTo(1);
        assertThat(ops.nodes().lookups(b)).isEqualTo(1);
        assertThat(ops.nodes().lookups(1)).as("the root, listed as '.' and '..'").isEqualTo(1);
    }

    @Test
    void aMalformedRequestIsAnsweredEinvalAndTheNextOneIsServed() throws Exception {
        ops.handle(frames.start(FuseOpcode.LOOKUP, 1, 0, 0).putString("a", false).request(), frames.reply());
        assertThat(frames.error(0)).isEqualTo(-22);
        lookup("a");
        assertThat(frames.error(1)).isZero();
        lookup("missing");
        assertThat(frames.error(2)).isEqualTo(-2);
    }

    @Test
    void ioctlIsEnottyAndAnUnknownOpcodeEnosys() throws Exception {
        ops.handle(frames.start(FuseOpcode.IOCTL, 1, 0, 0).request(), frames.reply());
        ops.handle(frames.start(999, 1, 0, 0).request(), frames.reply());
        assertThat(frames.error(0)).isEqualTo(-25);
        assertThat(frames.error(1)).isEqualTo(-38);
    }

    private long openHandle(long node, int flags) throws Exception {
        ops.handle(frames.start(FuseOpcode.OPEN, node, 0, 0).putInt(flags).putInt(0).request(), frames.reply());
        return frames.replyLong(frames.sent().size() - 1, FuseReplyDescriptor.OPEN_FH);
    }

    @Test
    void copyFileRangeCopiesBetweenOpenFilesAndStopsAtTheEnd() throws Exception {
        byte[] data = new byte[300_000];
        new java.util.Random(3).nextBytes(data);
        long fd = pfs.open("/a", OpenFlags.O_WRONLY, 0);
        pfs.pwrite(fd, java.nio.ByteBuffer.wrap(data), 0);
        pfs.close(fd);
        lookup("a");
        lookup("b");
        long in = openHandle(a, OpenFlags.O_RDONLY);
        long out = openHandle(b, OpenFlags.O_WRONLY);
        int before = frames.sent().size();
        ops.handle(frames.start(FuseOpcode.COPY_FILE_RANGE, a, 0, 0).putLong(in).putLong(1000).putLong(b).putLong(out)
                .putLong(10).putLong(250_000).putLong(0).request(), frames.reply());
        ops.handle(frames.start(FuseOpcode.COPY_FILE_RANGE, a, 0, 0).putLong(in).putLong(299_000).putLong(b)
                .putLong(out).putLong(250_010).putLong(5000).putLong(0).request(), frames.reply());
        assertThat(frames.error(before)).isZero();
        assertThat(frames.replyInt(before, 0)).isEqualTo(250_000);
        assertThat(frames.replyInt(before + 1, 0)).as("only what lies before the end").isEqualTo(1000);
        java.nio.ByteBuffer got = java.nio.ByteBuffer.allocate(250_000);
        long rd = pfs.open("/b", OpenFlags.O_RDONLY, 0);
        while (got.hasRemaining() && pfs.pread(rd, got, 10 + got.position()) > 0) {
            assertThat(got.position()).isPositive();
        }
        pfs.close(rd);
        assertThat(got.array()).isEqualTo(java.util.Arrays.copyOfRange(data, 1000, 251_000));
        assertThat(pfs.stat("/b").size()).isEqualTo(251_010);
    }

    @Test
    void createGivesTheCallerTheFileAndTheKernelOneReference() throws Exception {
        ops.handle(frames.start(FuseOpcode.CREATE, 1, 1000, 1001).putInt(OpenFlags.O_WRONLY).putInt(0100640)
                .putInt(022).putInt(0).putString("c", true).request(), frames.reply());
        assertThat(frames.error(0)).isZero();
        PfsStat st = pfs.stat("/c");
        assertThat(st.uid()).isEqualTo(1000);
        assertThat(st.gid()).isEqualTo(1001);
        assertThat(ops.nodes().lookups(st.ino())).isEqualTo(1);
        assertThat(frames.sent().get(0)).hasSize(FuseReplyDescriptor.BODY + FuseReplyDescriptor.ENTRY_LENGTH
                + FuseReplyDescriptor.OPEN_LENGTH);
    }
}
