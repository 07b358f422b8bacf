package dev.pfs.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.nbd.NbdWire.OptionReply;
import dev.pfs.nbd.handshake.GreetingDescriptor;
import dev.pfs.nbd.handshake.OptionDescriptor;
import dev.pfs.nbd.handshake.OptionReplyDescriptor;
import dev.pfs.nbd.transmission.ReplyDescriptor;
import dev.pfs.nbd.transmission.RequestDescriptor;
import dev.pfs.nbd.transmission.Session;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import dev.pfs.nbd.transmission.TransmissionLimits;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The handshake over an EmbeddedChannel: every option, and every bad input, without sockets. */
@Timeout(30)
class HandshakeTest {
    static final long SIZE = 8 << 20;

    static NbdExport export(boolean readOnly) {
        return new NbdExport("vol1", "a test volume", FaultyVolume.create(SIZE, 1), readOnly);
    }

    @Test
    void goReportsSizeFlagsNameDescriptionAndBlockSizesThenServesRequests() {
        try (NbdWire w = new NbdWire(export(false))) {
            w.greet();
            w.sendOption(OptionDescriptor.GO, NbdWire.infoData("vol1", OptionReplyDescriptor.INFO_NAME,
                    OptionReplyDescriptor.INFO_DESCRIPTION, OptionReplyDescriptor.INFO_BLOCK_SIZE));
            List<OptionReply> replies = w.optionReplies();
            assertThat(replies).extracting(OptionReply::type).containsExactly(OptionReplyDescriptor.INFO,
                    OptionReplyDescriptor.INFO, OptionReplyDescriptor.INFO, OptionReplyDescriptor.INFO,
                    OptionReplyDescriptor.ACK);
            ByteBuf exportInfo = Unpooled.wrappedBuffer(replies.get(0).data());
            assertThat(exportInfo.readUnsignedShort()).isEqualTo(OptionReplyDescriptor.INFO_EXPORT);
            assertThat(exportInfo.readLong()).isEqualTo(SIZE);
            int flags = exportInfo.readUnsignedShort();
            assertThat(flags & Session.CAN_MULTI_CONN).isNotZero();
            assertThat(flags & (Session.SEND_FLUSH | Session.SEND_FUA | Session.SEND_TRIM
                    | Session.SEND_WRITE_ZEROES | Session.SEND_FAST_ZERO)).isEqualTo(Session.SEND_FLUSH
                    | Session.SEND_FUA | Session.SEND_TRIM | Session.SEND_WRITE_ZEROES | Session.SEND_FAST_ZERO);
            assertThat(flags & (Session.READ_ONLY | Session.SEND_DF)).as("no DF without structured replies").isZero();
            assertThat(new String(replies.get(1).data(), 2, replies.get(1).data().length - 2, StandardCharsets.UTF_8))
                    .isEqualTo("vol1");
            assertThat(new String(replies.get(2).data(), 2, replies.get(2).data().length - 2, StandardCharsets.UTF_8))
                    .isEqualTo("a test volume");
            ByteBuf sizes = Unpooled.wrappedBuffer(replies.get(3).data());
            assertThat(sizes.readUnsignedShort()).isEqualTo(OptionReplyDescriptor.INFO_BLOCK_SIZE);
            assertThat(new int[] {sizes.readInt(), sizes.readInt(), sizes.readInt()})
                    .containsExactly(512, 4096, 32 << 20);

            w.sendRequest(0, RequestDescriptor.CMD_FLUSH, 7, 0, 0, null);
            NbdWire.Reply flush = w.readReply(0);
            assertThat(flush.cookie()).isEqualTo(7);
            assertThat(flush.error()).isZero();
        }
    }

    @Test
    void unknownOptionsAreUnsupportedAndTheConnectionStaysUp() {
        try (NbdWire w = new NbdWire(export(false))) {
            w.greet();
            for (int option : new int[] {OptionDescriptor.EXTENDED_HEADERS, 4, 99, -1}) {
                w.sendOption(option, "junk".getBytes(StandardCharsets.UTF_8));
                OptionReply r = w.readOptionReply();
                assertThat(r.option()).isEqualTo(option);
                assertThat(r.type()).isEqualTo(OptionReplyDescriptor.ERR_UNSUP);
            }
            w.sendOption(OptionDescriptor.STARTTLS, new byte[0]);
            assertThat(w.readOptionReply().type()).as("no TLS configured").isEqualTo(OptionReplyDescriptor.ERR_UNSUP);
            w.sendOption(OptionDescriptor.GO, NbdWire.infoData(""));
            assertThat(w.optionReplies()).last().extracting(OptionReply::type).isEqualTo(OptionReplyDescriptor.ACK);
            assertThat(w.channel.isOpen()).isTrue();
        }
    }

    @Test
    void infoForAnUnknownExportIsErrUnknownAndMalformedDataIsErrInvalid() {
        try (NbdWire w = new NbdWire(export(false))) {
            w.greet();
            w.sendOption(OptionDescriptor.INFO, NbdWire.infoData("nope"));
            assertThat(w.readOptionReply().type()).isEqualTo(OptionReplyDescriptor.ERR_UNKNOWN);
            w.sendOption(OptionDescriptor.GO, new byte[] {0, 0, 0, 9, 'a'});
            assertThat(w.readOptionReply().type()).isEqualTo(OptionReplyDescriptor.ERR_INVALID);
            w.sendOption(OptionDescriptor.INFO, NbdWire.infoData("vol1", 3, 2, 1));
            assertThat(w.optionReplies()).last().extracting(OptionReply::type).isEqualTo(OptionReplyDescriptor.ACK);
            w.sendOption(OptionDescriptor.LIST, new byte[] {1});
            assertThat(w.readOptionReply().type()).isEqualTo(OptionReplyDescriptor.ERR_INVALID);
            w.sendOption(OptionDescriptor.STRUCTURED_REPLY, new byte[] {1});
            assertThat(w.readOptionReply().type()).isEqualTo(OptionReplyDescriptor.ERR_INVALID);
            assertThat(w.channel.isOpen()).isTrue();
        }
    }

    @Test
    void listNamesTheExport() {
        try (NbdWire w = new NbdWire(export(false))) {
            w.greet();
            w.sendOption(OptionDescriptor.LIST, new byte[0]);
            List<OptionReply> replies = w.optionReplies();
            assertThat(replies).extracting(OptionReply::type)
                    .containsExactly(OptionReplyDescriptor.SERVER, OptionReplyDescriptor.ACK);
            ByteBuf server = Unpooled.wrappedBuffer(replies.get(0).data());
            int n = server.readInt();
            assertThat(server.readCharSequence(n, StandardCharsets.UTF_8).toString()).isEqualTo("vol1");
            assertThat(server.toString(StandardCharsets.UTF_8)).isEqualTo("a test volume");
        }
    }

    @Test
    void metaContextsNeedStructuredRepliesAndOnlyBaseAllocationExists() {
        try (NbdWire w = new NbdWire(export(false))) {
            w.greet();
            w.sendOption(OptionDescriptor.SET_META_CONTEXT, NbdWire.metaData("", "base:allocation"));
            assertThat(w.readOptionReply().type()).isEqualTo(OptionReplyDescriptor.ERR_INVALID);
            w.sendOption(OptionDescriptor.LIST_META_CONTEXT, NbdWire.metaData("vol1"));
            List<OptionReply> all = w.optionReplies();
            assertThat(all).extracting(OptionReply::type)
                    .containsExactly(OptionReplyDescriptor.META_CONTEXT, OptionReplyDescriptor.ACK);
            assertThat(new String(all.get(0).data(), 4, all.get(0).data().length - 4, StandardCharsets.UTF_8))
                    .isEqualTo("base:allocation");
            w.sendOption(OptionDescriptor.STRUCTURED_REPLY, new byte[0]);
            assertThat(w.readOptionReply().type()).isEqualTo(OptionReplyDescriptor.ACK);
            w.sendOption(OptionDescriptor.SET_META_CONTEXT, NbdWire.metaData("", "qemu:dirty-bitmap:x"));
            assertThat(w.optionReplies()).extracting(OptionReply::type).containsExactly(OptionReplyDescriptor.ACK);
            w.sendOption(OptionDescriptor.SET_META_CONTEXT, NbdWire.metaData("nope", "base:allocation"));
            assertThat(w.readOptionReply().type()).isEqualTo(OptionReplyDescriptor.ERR_UNKNOWN);
            w.sendOption(OptionDescriptor.SET_META_CONTEXT, new byte[] {0, 0, 0, 0, 0, 0, 0, 2, 0});
            assertThat(w.readOptionReply().type()).isEqualTo(OptionReplyDescriptor.ERR_INVALID);
            w.sendOption(OptionDescriptor.SET_META_CONTEXT, NbdWire.metaData("", "base:allocation"));
            List<OptionReply> set = w.optionReplies();
            assertThat(set).extracting(OptionReply::type)
                    .containsExactly(OptionReplyDescriptor.META_CONTEXT, OptionReplyDescriptor.ACK);
            assertThat(Unpooled.wrappedBuffer(set.get(0).data()).readInt()).isEqualTo(Session.ALLOCATION_CONTEXT_ID);
        }
    }

    @Test
    void exportNameWithoutNoZeroesSendsSizeFlagsAnd124Zeros() {
        try (NbdWire w = new NbdWire(export(true))) {
            w.greet(GreetingDescriptor.CLIENT_FIXED_NEWSTYLE);
            w.sendOption(OptionDescriptor.EXPORT_NAME, "vol1".getBytes(StandardCharsets.UTF_8));
            ByteBuf reply = Unpooled.wrappedBuffer(w.read(10 + 124));
            assertThat(reply.readLong()).isEqualTo(SIZE);
            assertThat(reply.readUnsignedShort() & Session.READ_ONLY).isNotZero();
            assertThat(reply.readableBytes()).isEqualTo(124);
            assertThat(w.hasOutput()).isFalse();
            w.sendRequest(0, RequestDescriptor.CMD_WRITE, 1, 0, 512, new byte[512]);
            assertThat(w.readReply(0).error()).isEqualTo(ReplyDescriptor.EPERM);
        }
    }

    @Test
    void exportNameOfAnUnknownExportClosesTheConnection() {
        try (NbdWire w = new NbdWire(export(false))) {
            w.greet();
            w.sendOption(OptionDescriptor.EXPORT_NAME, "other".getBytes(StandardCharsets.UTF_8));
            assertThat(w.channel.isOpen()).isFalse();
        }
    }

    @Test
    void unknownClientFlagsCloseTheConnection() {
        try (NbdWire w = new NbdWire(export(false))) {
            w.greet(GreetingDescriptor.CLIENT_FIXED_NEWSTYLE | 0x100);
            assertThat(w.channel.isOpen()).isFalse();
        }
    }

    @Test
    void aBadOptionMagicClosesTheConnection() {
        try (NbdWire w = new NbdWire(export(false))) {
            w.greet();
            byte[] bad = NbdWire.option(OptionDescriptor.LIST, new byte[0]);
            bad[0] ^= 1;
            w.send(bad);
            assertThat(w.channel.isOpen()).isFalse();
            assertThat(w.hasOutput()).isFalse();
        }
    }

    @Test
    void anOversizedOptionIsSkippedUnbufferedAndTheNextOneDecodes() {
        try (NbdWire w = new NbdWire(export(false))) {
            w.greet();
            int length = OptionDescriptor.MAX_DATA * 4;
            w.send(NbdWire.bytes(Unpooled.buffer().writeLong(GreetingDescriptor.IHAVEOPT)
                    .writeInt(OptionDescriptor.GO).writeInt(length)));
            OptionReply tooBig = w.readOptionReply();
            assertThat(tooBig.type()).as("answered before the data arrives").isEqualTo(OptionReplyDescriptor.ERR_TOO_BIG);
            // The data arrives in pieces; none of it is kept.
            for (int sent = 0; sent < length; sent += 8192) {
                w.send(new byte[8192]);
            }
            assertThat(w.alloc.leaked()).as("buffers held while skipping").isLessThanOrEqualTo(2);
            w.sendOption(OptionDescriptor.LIST, new byte[0]);
            assertThat(w.optionReplies()).last().extracting(OptionReply::type).isEqualTo(OptionReplyDescriptor.ACK);
        }
    }

    @Test
    void underTlsRequireEveryOptionButStartTlsIsRefusedAndExportNameCloses(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("key.pem");
        Path cert = dir.resolve("cert.pem");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                key.toString(), "-out", cert.toString(), "-subj", "/CN=localhost", "-days", "2")
                .redirectErrorStream(true).start();
        openssl.getInputStream().readAllBytes();
        assertThat(openssl.waitFor()).as("openssl (scripts/setup installs it)").isZero();
        SslContext ssl = SslContextBuilder.forServer(cert.toFile(), key.toFile()).build();
        try (NbdWire w = new NbdWire(export(false), TlsMode.REQUIRE, ssl, TransmissionLimits.DEFAULT)) {
            w.greet();
            for (int option : new int[] {OptionDescriptor.GO, OptionDescriptor.INFO, OptionDescriptor.LIST,
                OptionDescriptor.STRUCTURED_REPLY, 99}) {
                w.sendOption(option, NbdWire.infoData("vol1"));
                assertThat(w.readOptionReply().type()).as("option %d", option).isEqualTo(OptionReplyDescriptor.ERR_TLS_REQD);
            }
            w.sendOption(OptionDescriptor.STARTTLS, new byte[] {1});
            assertThat(w.readOptionReply().type()).isEqualTo(OptionReplyDescriptor.ERR_INVALID);
            w.sendOption(OptionDescriptor.EXPORT_NAME, "vol1".getBytes(StandardCharsets.UTF_8));
            assertThat(w.channel.isOpen()).isFalse();
        }
        try (NbdWire w = new NbdWire(export(false), TlsMode.REQUIRE, ssl, TransmissionLimits.DEFAULT)) {
            w.greet();
            w.sendOption(OptionDescriptor.STARTTLS, new byte[0]);
            assertThat(w.readOptionReply().type()).as("sent in plain text").isEqualTo(OptionReplyDescriptor.ACK);
            assertThat(w.channel.pipeline().get(SslHandler.class)).isNotNull();
        }
    }

    @Test
    void abortIsAcknowledgedAndCloses() {
        try (NbdWire w = new NbdWire(export(false))) {
            w.greet();
            w.sendOption(OptionDescriptor.ABORT, new byte[0]);
            assertThat(w.readOptionReply().type()).isEqualTo(OptionReplyDescriptor.ACK);
            assertThat(w.channel.isOpen()).isFalse();
        }
    }

    @Test
    void bytesSentRightAfterGoReachTheTransmissionPhase() {
        try (NbdWire w = new NbdWire(export(false))) {
            w.greet();
            byte[] go = NbdWire.option(OptionDescriptor.GO, NbdWire.infoData(""));
            byte[] flush = NbdWire.request(0, RequestDescriptor.CMD_FLUSH, 42, 0, 0, null);
            byte[] both = new byte[go.length + flush.length];
            System.arraycopy(go, 0, both, 0, go.length);
            System.arraycopy(flush, 0, both, go.length, flush.length);
            w.send(both);
            assertThat(w.optionReplies()).last().extracting(OptionReply::type).isEqualTo(OptionReplyDescriptor.ACK);
            assertThat(w.readReply(0).cookie()).isEqualTo(42);
        }
    }
}
