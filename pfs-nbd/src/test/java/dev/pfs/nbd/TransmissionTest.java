package dev.pfs.nbd;

import static dev.pfs.nbd.transmission.RequestDescriptor.CMD_BLOCK_STATUS;
import static dev.pfs.nbd.transmission.RequestDescriptor.CMD_DISC;
import static dev.pfs.nbd.transmission.RequestDescriptor.CMD_FLUSH;
import static dev.pfs.nbd.transmission.RequestDescriptor.CMD_READ;
import static dev.pfs.nbd.transmission.RequestDescriptor.CMD_TRIM;
import static dev.pfs.nbd.transmission.RequestDescriptor.CMD_WRITE;
import static dev.pfs.nbd.transmission.RequestDescriptor.CMD_WRITE_ZEROES;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.common.volume.VolumeException;
import dev.pfs.nbd.NbdWire.Reply;
import dev.pfs.nbd.transmission.ReplyDescriptor;
import dev.pfs.nbd.transmission.RequestDescriptor;
import dev.pfs.nbd.transmission.TransmissionLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The transmission phase over an EmbeddedChannel: commands, replies, limits and bad requests. */
@Timeout(60)
class TransmissionTest {
    static final long SIZE = 8 << 20;

    @TempDir
    Path dir;

    static byte[] pattern(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    static NbdExport export(dev.pfs.common.volume.BlockVolume v) {
        return new NbdExport("", "", v, false);
    }

    @Test
    void writesReadBackWithSimpleReplies() {
        try (NbdWire w = new NbdWire(export(FaultyVolume.create(SIZE, 1)))) {
            w.negotiate(false);
            byte[] data = pattern(8192, 1);
            w.sendRequest(RequestDescriptor.FLAG_FUA, CMD_WRITE, 1, 4096, data.length, data);
            assertThat(w.readReply(0)).extracting(Reply::cookie, Reply::error).containsExactly(1L, 0);
            w.sendRequest(0, CMD_READ, 2, 4096, data.length, null);
            Reply read = w.readReply(data.length);
            assertThat(read.cookie()).isEqualTo(2);
            assertThat(read.data()).isEqualTo(data);
        }
    }

    @Test
    void structuredReadsSendZeroRunsAsHolesAndTheRestAsData() {
        try (NbdWire w = new NbdWire(export(FaultyVolume.create(SIZE, 1)))) {
            w.negotiate(true);
            byte[] data = pattern(4096, 2);
            w.sendRequest(0, CMD_WRITE, 1, 8192, data.length, data);
            w.readReply(0);
            w.sendRequest(0, CMD_READ, 2, 0, 16384, null);
            List<Reply> chunks = w.structuredReply();
            assertThat(chunks).extracting(Reply::type).containsExactly(ReplyDescriptor.TYPE_OFFSET_HOLE,
                    ReplyDescriptor.TYPE_OFFSET_DATA, ReplyDescriptor.TYPE_OFFSET_HOLE);
            ByteBuf hole = Unpooled.wrappedBuffer(chunks.get(0).data());
            assertThat(new long[] {hole.readLong(), hole.readUnsignedInt()}).containsExactly(0, 8192);
            ByteBuf dataChunk = Unpooled.wrappedBuffer(chunks.get(1).data());
            assertThat(dataChunk.readLong()).isEqualTo(8192);
            assertThat(NbdWire.bytes(dataChunk)).isEqualTo(data);
            assertThat(chunks).allMatch(c -> c.cookie() == 2);

            w.sendRequest(RequestDescriptor.FLAG_DF, CMD_READ, 3, 0, 16384, null);
            List<Reply> whole = w.structuredReply();
            assertThat(whole).extracting(Reply::type).containsExactly(ReplyDescriptor.TYPE_OFFSET_DATA);
            assertThat(whole.get(0).data()).hasSize(8 + 16384);
        }
    }

    @Test
    void readsAreAnsweredInTheOrderTheyComplete() {
        HeldVolume held = new HeldVolume(FaultyVolume.create(SIZE, 1));
        try (NbdWire w = new NbdWire(export(held))) {
            w.negotiate(false);
            w.sendRequest(0, CMD_READ, 10, 0, 512, null);
            w.sendRequest(0, CMD_READ, 11, 512, 512, null);
            w.sendRequest(0, CMD_FLUSH, 12, 0, 0, null);
            assertThat(w.readReply(0).cookie()).as("flush does not wait for reads").isEqualTo(12);
            held.complete(1);
            assertThat(w.readReply(512).cookie()).isEqualTo(11);
            held.complete(0);
            assertThat(w.readReply(512).cookie()).isEqualTo(10);
        }
    }

    @Test
    void aWritePastTheEndIsRefusedWithEnospcAndItsDataSkippedUnbuffered() {
        try (NbdWire w = new NbdWire(export(FaultyVolume.create(SIZE, 1)))) {
            w.negotiate(false);
            int length = 1 << 20;
            w.send(NbdWire.request(0, CMD_WRITE, 5, SIZE - 4096, length, null));
            assertThat(w.readReply(0)).extracting(Reply::cookie, Reply::error)
                    .as("answered before the data arrives").containsExactly(5L, ReplyDescriptor.ENOSPC);
            for (int sent = 0; sent < length; sent += 16384) {
                w.send(new byte[16384]);
            }
            assertThat(w.alloc.leaked()).as("buffers held while skipping").isLessThanOrEqualTo(2);
            w.sendRequest(0, CMD_FLUSH, 6, 0, 0, null);
            assertThat(w.readReply(0)).extracting(Reply::cookie, Reply::error).containsExactly(6L, 0);
        }
    }

    @Test
    void aWriteOverTheMaximumIsRefusedWithEinvalWithoutBufferingIt() {
        try (NbdWire w = new NbdWire(export(FaultyVolume.create(64L << 20, 1)))) {
            w.negotiate(false);
            long length = RequestDescriptor.MAX_BLOCK + 512L;
            w.send(NbdWire.request(0, CMD_WRITE, 5, 0, length, null));
            assertThat(w.readReply(0).error()).isEqualTo(ReplyDescriptor.EINVAL);
            byte[] piece = new byte[1 << 20];
            for (long sent = 0; sent < length; sent += piece.length) {
                w.send(Arrays.copyOf(piece, (int) Math.min(piece.length, length - sent)));
            }
            w.sendRequest(0, CMD_READ, 6, 0, 512, null);
            assertThat(w.readReply(512)).extracting(Reply::cookie, Reply::error).containsExactly(6L, 0);
        }
    }

    @Test
    void badRequestsGetTheProtocolsErrorsAndTheConnectionKeepsServing() {
        try (NbdWire w = new NbdWire(export(FaultyVolume.create(SIZE, 1)))) {
            w.negotiate(true);
            Object[][] cases = {
                {0, CMD_READ, SIZE, 512L, ReplyDescriptor.EINVAL},            // past the end
                {0, CMD_READ, 100L, 512L, ReplyDescriptor.EINVAL},            // misaligned
                {0, CMD_READ, -512L, 512L, ReplyDescriptor.EINVAL},           // offset over 2^63
                {0, CMD_READ, 0L, RequestDescriptor.MAX_BLOCK + 512L, ReplyDescriptor.EINVAL},
                {0, 5, 0L, 512L, ReplyDescriptor.EINVAL},                     // CACHE: not offered
                {0, 99, 0L, 0L, ReplyDescriptor.EINVAL},                      // unknown command
                {1 << 9, CMD_FLUSH, 0L, 0L, ReplyDescriptor.EINVAL},          // unknown flag
                {RequestDescriptor.FLAG_DF, CMD_WRITE_ZEROES, 0L, 512L, ReplyDescriptor.EINVAL},
                {0, CMD_TRIM, SIZE - 512, 1024L, ReplyDescriptor.EINVAL},
                {0, CMD_WRITE_ZEROES, SIZE, 512L, ReplyDescriptor.ENOSPC},
                {RequestDescriptor.FLAG_NO_HOLE | RequestDescriptor.FLAG_FAST_ZERO, CMD_WRITE_ZEROES, 0L, 512L,
                    ReplyDescriptor.ENOTSUP},
                {0, CMD_BLOCK_STATUS, 0L, 0L, ReplyDescriptor.EINVAL},
            };
            long cookie = 100;
            for (Object[] c : cases) {
                w.sendRequest((int) c[0], (int) c[1], cookie, (long) c[2], (long) c[3], null);
                Reply r = w.readReply(0);
                assertThat(r.cookie()).isEqualTo(cookie);
                assertThat(r.error()).as("command %s at %s+%s", c[1], c[2], c[3]).isEqualTo((int) c[4]);
                assertThat(r.done()).isTrue();
                cookie++;
            }
            w.sendRequest(0, CMD_READ, 1, 0, 512, null);
            assertThat(w.structuredReply()).last().extracting(Reply::error).isEqualTo(0);
        }
    }

    @Test
    void blockStatusWithoutASelectedContextIsEinval() {
        try (NbdWire w = new NbdWire(export(FaultyVolume.create(SIZE, 1)))) {
            w.negotiate(false);
            w.sendRequest(0, CMD_BLOCK_STATUS, 1, 0, 4096, null);
            assertThat(w.readReply(0).error()).isEqualTo(ReplyDescriptor.EINVAL);
        }
    }

    @Test
    void blockStatusReportsTheVolumesHolesAndData() throws Exception {
        FileVolume.create(dir.resolve("v.img"), SIZE).close();
        // Completing on the caller's thread keeps the EmbeddedChannel single-threaded.
        try (FileVolume v = FileVolume.open(dir.resolve("v.img"), true, FileVolume.CALLER_THREAD);
             NbdWire w = new NbdWire(export(v))) {
            VolumeException.await(v.write(1 << 20, ByteBuffer.allocate(64 << 10)));
            w.negotiate(true);
            w.sendRequest(0, CMD_BLOCK_STATUS, 1, 0, 2 << 20, null);
            List<Reply> chunks = w.structuredReply();
            assertThat(chunks).hasSize(1);
            ByteBuf status = Unpooled.wrappedBuffer(chunks.get(0).data());
            assertThat(status.readInt()).isEqualTo(1);
            int hole = ReplyDescriptor.STATE_HOLE | ReplyDescriptor.STATE_ZERO;
            assertThat(new long[] {status.readUnsignedInt(), status.readInt(), status.readUnsignedInt(),
                status.readInt(), status.readUnsignedInt(), status.readInt()})
                    .containsExactly(1 << 20, hole, 64 << 10, 0, (1 << 20) - (64 << 10), hole);

            w.sendRequest(RequestDescriptor.FLAG_REQ_ONE, CMD_BLOCK_STATUS, 2, 0, 2 << 20, null);
            assertThat(w.structuredReply().get(0).data()).hasSize(4 + 8);
            w.sendRequest(0, CMD_TRIM, 3, 1 << 20, 64 << 10, null);
            assertThat(w.readReply(0).error()).isZero();
            w.sendRequest(0, CMD_BLOCK_STATUS, 4, 0, 2 << 20, null);
            assertThat(w.structuredReply().get(0).data()).as("one hole").hasSize(4 + 8);
        }
    }

    @Test
    void writeZeroesAndTrimReadBackAsZeros() {
        try (NbdWire w = new NbdWire(export(FaultyVolume.create(SIZE, 1)))) {
            w.negotiate(false);
            byte[] data = pattern(3 << 20, 3);
            w.sendRequest(0, CMD_WRITE, 1, 0, data.length, data);
            w.readReply(0);
            w.sendRequest(RequestDescriptor.FLAG_NO_HOLE | RequestDescriptor.FLAG_FUA, CMD_WRITE_ZEROES, 2, 4096,
                    (2 << 20) + 4096, null);
            assertThat(w.readReply(0).error()).isZero();
            w.sendRequest(RequestDescriptor.FLAG_FAST_ZERO, CMD_WRITE_ZEROES, 3, (3 << 20) - 8192, 4096, null);
            assertThat(w.readReply(0).error()).isZero();
            w.sendRequest(RequestDescriptor.FLAG_FUA, CMD_TRIM, 4, 0, 512, null);
            assertThat(w.readReply(0).error()).isZero();
            w.sendRequest(0, CMD_READ, 5, 0, data.length, null);
            byte[] back = w.readReply(data.length).data();
            byte[] expected = data.clone();
            Arrays.fill(expected, 0, 512, (byte) 0);
            Arrays.fill(expected, 4096, 4096 + (2 << 20) + 4096, (byte) 0);
            Arrays.fill(expected, (3 << 20) - 8192, (3 << 20) - 4096, (byte) 0);
            assertThat(back).isEqualTo(expected);
        }
    }

    @Test
    void aBadRequestMagicClosesTheConnection() {
        try (NbdWire w = new NbdWire(export(FaultyVolume.create(SIZE, 1)))) {
            w.negotiate(false);
            byte[] bad = NbdWire.request(0, CMD_FLUSH, 1, 0, 0, null);
            bad[3] ^= 1;
            w.send(bad);
            assertThat(w.channel.isOpen()).isFalse();
            assertThat(w.hasOutput()).isFalse();
        }
    }

    @Test
    void pastTheInFlightLimitTheServerStopsReadingUntilRepliesGoOut() {
        HeldVolume held = new HeldVolume(FaultyVolume.create(SIZE, 1));
        try (NbdWire w = new NbdWire(export(held), TlsMode.OFF, null, new TransmissionLimits(4, 64L << 20))) {
            w.negotiate(false);
            for (int i = 0; i < 4; i++) {
                w.sendRequest(0, CMD_READ, i, 0, 512, null);
                assertThat(w.channel.config().isAutoRead()).isEqualTo(i < 3);
            }
            held.complete(2);
            assertThat(w.readReply(512).cookie()).isEqualTo(2);
            assertThat(w.channel.config().isAutoRead()).isTrue();
            for (int i : new int[] {0, 1, 3}) {
                held.complete(i);
                assertThat(w.readReply(512).cookie()).isEqualTo(i);
            }
        }
    }

    @Test
    void discAnswersWhatIsInFlightAndThenCloses() {
        HeldVolume held = new HeldVolume(FaultyVolume.create(SIZE, 1));
        try (NbdWire w = new NbdWire(export(held))) {
            w.negotiate(false);
            w.sendRequest(0, CMD_READ, 1, 0, 512, null);
            w.sendRequest(0, CMD_DISC, 2, 0, 0, null);
            assertThat(w.channel.isOpen()).isTrue();
            w.sendRequest(0, CMD_READ, 3, 0, 512, null);
            assertThat(held.waiting()).as("nothing after DISC runs").isEqualTo(1);
            held.complete(0);
            assertThat(w.readReply(512).cookie()).isEqualTo(1);
            assertThat(w.channel.isOpen()).isFalse();
        }
    }

    @Test
    void aClientThatVanishesMidWriteChangesNothingAndLeaksNothing() {
        FaultyVolume v = FaultyVolume.create(SIZE, 1);
        try (NbdWire w = new NbdWire(export(v))) {
            w.negotiate(false);
            byte[] data = pattern(8192, 4);
            byte[] request = NbdWire.request(0, CMD_WRITE, 1, 0, data.length, data);
            w.send(Arrays.copyOf(request, RequestDescriptor.HEADER_LENGTH + 4096));
            w.channel.close();
        }
        assertThat(v.writes()).isZero();
    }

    @Test
    void aFlushOnOneConnectionMakesWritesAnsweredOnAnotherDurable() throws Exception {
        FaultyVolume v = FaultyVolume.create(SIZE, 7);
        byte[] a = pattern(4096, 5);
        byte[] b = pattern(4096, 6);
        byte[] c = pattern(4096, 7);
        try (NbdWire one = new NbdWire(export(v)); NbdWire two = new NbdWire(export(v))) {
            one.negotiate(false);
            two.negotiate(false);
            one.sendRequest(0, CMD_WRITE, 1, 0, a.length, a);
            assertThat(one.readReply(0).error()).isZero();
            two.sendRequest(0, CMD_WRITE, 1, 4096, b.length, b);
            assertThat(two.readReply(0).error()).isZero();
            two.sendRequest(0, CMD_FLUSH, 2, 0, 0, null);
            assertThat(two.readReply(0).error()).isZero();
            one.sendRequest(RequestDescriptor.FLAG_FUA, CMD_WRITE, 3, 8192, c.length, c);
            assertThat(one.readReply(0).error()).isZero();
        }
        v.powerLoss();
        FaultyVolume after = v.restart();
        ByteBuffer back = ByteBuffer.allocate(3 * 4096);
        VolumeException.await(after.read(0, back));
        byte[] expected = new byte[3 * 4096];
        System.arraycopy(a, 0, expected, 0, 4096);
        System.arraycopy(b, 0, expected, 4096, 4096);
        System.arraycopy(c, 0, expected, 8192, 4096);
        assertThat(back.array()).isEqualTo(expected);
    }

    @Test
    void aFailingVolumeIsReportedAsEioAndTheConnectionKeepsServing() {
        FaultyVolume v = FaultyVolume.create(SIZE, 3).ioErrorRate(1.0);
        try (NbdWire w = new NbdWire(export(v))) {
            w.negotiate(true);
            w.sendRequest(0, CMD_READ, 1, 0, 512, null);
            List<Reply> failed = w.structuredReply();
            assertThat(failed).extracting(Reply::type).containsExactly(ReplyDescriptor.TYPE_ERROR);
            assertThat(failed.get(0).error()).isEqualTo(ReplyDescriptor.EIO);
            w.sendRequest(0, CMD_WRITE, 2, 0, 512, new byte[512]);
            assertThat(w.readReply(0).error()).isEqualTo(ReplyDescriptor.EIO);
            v.ioErrorRate(0);
            w.sendRequest(0, CMD_FLUSH, 3, 0, 0, null);
            assertThat(w.readReply(0).error()).isZero();
        }
    }
}
