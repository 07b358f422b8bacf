package dev.pfs.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.nbd.handshake.GreetingDescriptor;
import dev.pfs.nbd.handshake.OptionDescriptor;
import dev.pfs.nbd.handshake.OptionReplyDescriptor;
import dev.pfs.nbd.transmission.ReplyDescriptor;
import dev.pfs.nbd.transmission.RequestDescriptor;
import dev.pfs.nbd.transmission.TransmissionLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The client's side of NBD over an {@link EmbeddedChannel} running the server's pipeline: it
 * encodes options and requests and decodes replies, so tests can send anything, good or bad.
 * {@link #close()} fails the test if the server leaked a buffer.
 */
final class NbdWire implements AutoCloseable {
    /** An option reply. */
    record OptionReply(int option, int type, byte[] data) {
    }

    /** A simple reply (type -1) or a structured reply chunk. */
    record Reply(boolean structured, int flags, int type, long cookie, int error, byte[] data) {
        boolean done() {
            return !structured || (flags & ReplyDescriptor.FLAG_DONE) != 0;
        }
    }

    final TrackingAllocator alloc = new TrackingAllocator();
    final EmbeddedChannel channel;
    private final ByteBuf fromServer = Unpooled.buffer();

    NbdWire(NbdExport export) {
        this(export, TlsMode.OFF, null, TransmissionLimits.DEFAULT);
    }

    NbdWire(NbdExport export, TlsMode tls, SslContext ssl, TransmissionLimits limits) {
        channel = new EmbeddedChannel(false, false);
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast(new NbdChannelInitializer(export, tls, ssl, limits));
        try {
            channel.register();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Sends raw bytes. */
    void send(byte[] bytes) {
        ByteBuf buf = alloc.buffer(bytes.length).writeBytes(bytes);
        channel.writeInbound(buf);
        channel.runPendingTasks();
    }

    /** @return whether the server has answered anything not yet read */
    boolean hasOutput() {
        drain();
        return fromServer.isReadable();
    }

    /** @return the next {@code n} bytes from the server */
    byte[] read(int n) {
        drain();
        assertThat(fromServer.readableBytes()).as("bytes from the server").isGreaterThanOrEqualTo(n);
        byte[] out = new byte[n];
        fromServer.readBytes(out);
        return out;
    }

    private void drain() {
        channel.runPendingTasks();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            fromServer.writeBytes(b);
            b.release();
        }
    }

    /** Reads the greeting and answers with {@code flags}. */
    void greet(int flags) {
        ByteBuf g = Unpooled.wrappedBuffer(read(GreetingDescriptor.GREETING_LENGTH));
        assertThat(g.readLong()).isEqualTo(GreetingDescriptor.NBD_MAGIC);
        assertThat(g.readLong()).isEqualTo(GreetingDescriptor.IHAVEOPT);
        assertThat(g.readUnsignedShort()).isEqualTo(GreetingDescriptor.FLAG_FIXED_NEWSTYLE
                | GreetingDescriptor.FLAG_NO_ZEROES);
        send(bytes(Unpooled.buffer().writeInt(flags)));
    }

    /** Greets as a modern client (fixed newstyle, no zeroes). */
    void greet() {
        greet(GreetingDescriptor.CLIENT_FIXED_NEWSTYLE | GreetingDescriptor.CLIENT_NO_ZEROES);
    }

    static byte[] option(int option, byte[] data) {
        ByteBuf b = Unpooled.buffer().writeLong(GreetingDescriptor.IHAVEOPT).writeInt(option).writeInt(data.length)
                .writeBytes(data);
        return bytes(b);
    }

    void sendOption(int option, byte[] data) {
        send(option(option, data));
    }

    OptionReply readOptionReply() {
        ByteBuf h = Unpooled.wrappedBuffer(read(OptionReplyDescriptor.HEADER_LENGTH));
        assertThat(h.readLong()).isEqualTo(OptionReplyDescriptor.MAGIC);
        int option = h.readInt();
        int type = h.readInt();
        int length = h.readInt();
        return new OptionReply(option, type, read(length));
    }

    /** @return the replies to one option, up to and including its ACK or error */
    List<OptionReply> optionReplies() {
        List<OptionReply> replies = new ArrayList<>();
        OptionReply r;
        do {
            r = readOptionReply();
            replies.add(r);
        } while (r.type() != OptionReplyDescriptor.ACK && !OptionReplyDescriptor.isError(r.type()));
        return replies;
    }

    static byte[] infoData(String name, int... infos) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuf b = Unpooled.buffer().writeInt(n.length).writeBytes(n).writeShort(infos.length);
        for (int i : infos) {
            b.writeShort(i);
        }
        return bytes(b);
    }

    static byte[] metaData(String name, String... queries) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuf b = Unpooled.buffer().writeInt(n.length).writeBytes(n).writeInt(queries.length);
        for (String q : queries) {
            byte[] qb = q.getBytes(StandardCharsets.UTF_8);
            b.writeInt(qb.length).writeBytes(qb);
        }
        return bytes(b);
    }

    /** Greets, negotiates structured replies and base:allocation if asked, and enters transmission with GO. */
    void negotiate(boolean structured) {
        greet();
        if (structured) {
            sendOption(OptionDescriptor.STRUCTURED_REPLY, new byte[0]);
            assertThat(readOptionReply().type()).isEqualTo(OptionReplyDescriptor.ACK);
            sendOption(OptionDescriptor.SET_META_CONTEXT, metaData("", "base:allocation"));
            assertThat(optionReplies()).last().extracting(OptionReply::type).isEqualTo(OptionReplyDescriptor.ACK);
        }
        sendOption(OptionDescriptor.GO, infoData(""));
        assertThat(optionReplies()).last().extracting(OptionReply::type).isEqualTo(OptionReplyDescriptor.ACK);
    }

    static byte[] request(int flags, int type, long cookie, long offset, long length, byte[] payload) {
        ByteBuf b = Unpooled.buffer().writeInt(RequestDescriptor.MAGIC).writeShort(flags).writeShort(type)
                .writeLong(cookie).writeLong(offset).writeInt((int) length);
        if (payload != null) {
            b.writeBytes(payload);
        }
        return bytes(b);
    }

    void sendRequest(int flags, int type, long cookie, long offset, long length, byte[] payload) {
        send(request(flags, type, cookie, offset, length, payload));
    }

    /** Reads one reply message: a simple reply (with {@code readLength} bytes of data if it succeeded) or a chunk. */
    Reply readReply(int readLength) {
        ByteBuf m = Unpooled.wrappedBuffer(read(4));
        int magic = m.readInt();
        if (magic == ReplyDescriptor.SIMPLE_MAGIC) {
            ByteBuf h = Unpooled.wrappedBuffer(read(12));
            int error = h.readInt();
            long cookie = h.readLong();
            return new Reply(false, 0, -1, cookie, error, error == 0 ? read(readLength) : new byte[0]);
        }
        assertThat(magic).as("reply magic").isEqualTo(ReplyDescriptor.STRUCTURED_MAGIC);
        ByteBuf h = Unpooled.wrappedBuffer(read(16));
        int flags = h.readUnsignedShort();
        int type = h.readUnsignedShort();
        long cookie = h.readLong();
        byte[] data = read(h.readInt());
        int error = type == ReplyDescriptor.TYPE_ERROR ? Unpooled.wrappedBuffer(data).readInt() : 0;
        return new Reply(true, flags, type, cookie, error, data);
    }

    /** @return every chunk of one structured reply, through the one flagged DONE */
    List<Reply> structuredReply() {
        List<Reply> chunks = new ArrayList<>();
        Reply r;
        do {
            r = readReply(0);
            chunks.add(r);
        } while (!r.done());
        return chunks;
    }

    static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }

    @Override
    public void close() {
        channel.finishAndReleaseAll();
        assertThat(alloc.leaked()).as("buffers the server did not release").isZero();
    }
}
