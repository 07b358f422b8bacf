package dev.pfs.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.nbd.NbdWire.OptionReply;
import dev.pfs.nbd.NbdWire.Reply;
import dev.pfs.nbd.handshake.OptionDescriptor;
import dev.pfs.nbd.handshake.OptionReplyDescriptor;
import dev.pfs.nbd.transmission.ReplyDescriptor;
import dev.pfs.nbd.transmission.RequestDescriptor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded fuzzing of both phases: random options (known and unknown codes, well and badly formed
 * data) must each be answered, for that option, with the connection up; then random requests
 * (any type, flags, offset and length) must each get exactly one complete reply with their cookie,
 * and every successful read must match a model of what was written. Finally garbage closes the
 * connection without a leak. A failing seed replays exactly.
 */
@Timeout(120)
class ProtocolFuzzTest {
    static final int SIZE = 1 << 20;
    static final int[] OPTIONS = {OptionDescriptor.LIST, OptionDescriptor.INFO, OptionDescriptor.GO,
        OptionDescriptor.STRUCTURED_REPLY, OptionDescriptor.LIST_META_CONTEXT, OptionDescriptor.SET_META_CONTEXT,
        OptionDescriptor.STARTTLS, OptionDescriptor.EXTENDED_HEADERS, 4, 12, 0, 0x7fffffff};

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void everyOptionAndRequestIsAnsweredAndTheServerKeepsServing(long seed) {
        Random random = new Random(seed);
        FaultyVolume volume = FaultyVolume.create(SIZE, seed);
        byte[] model = new byte[SIZE];
        try (NbdWire w = new NbdWire(new NbdExport("vol1", "fuzz", volume, false))) {
            w.greet();
            boolean structured = handshake(w, random, seed);
            for (int i = 0; i < 300; i++) {
                request(w, random, structured, model, seed + "/" + i);
                assertThat(w.channel.isOpen()).as("seed %d request %d", seed, i).isTrue();
            }
            byte[] garbage = new byte[32];
            random.nextBytes(garbage);
            garbage[0] = (byte) ~(RequestDescriptor.MAGIC >>> 24);
            w.send(garbage);
            assertThat(w.channel.isOpen()).as("seed %d: garbage closes", seed).isFalse();
        }
    }

    /** @return whether structured replies were negotiated before GO succeeded */
    private static boolean handshake(NbdWire w, Random random, long seed) {
        boolean structured = false;
        for (int i = 0; ; i++) {
            int option = OPTIONS[random.nextInt(OPTIONS.length)];
            byte[] data = optionData(random, option);
            w.sendOption(option, data);
            List<OptionReply> replies = w.optionReplies();
            assertThat(replies).as("seed %d option %d", seed, i).allMatch(r -> r.option() == option);
            assertThat(w.channel.isOpen()).isTrue();
            int last = replies.getLast().type();
            if (option == OptionDescriptor.STRUCTURED_REPLY && last == OptionReplyDescriptor.ACK) {
                structured = true;
            }
            if (option == OptionDescriptor.GO && last == OptionReplyDescriptor.ACK) {
                return structured;
            }
            if (i > 40) {
                w.sendOption(OptionDescriptor.GO, NbdWire.infoData("vol1"));
                assertThat(w.optionReplies().getLast().type()).isEqualTo(OptionReplyDescriptor.ACK);
                return structured;
            }
        }
    }

    private static byte[] optionData(Random random, int option) {
        switch (random.nextInt(3)) {
            case 0 -> {
                byte[] junk = new byte[random.nextInt(40)];
                random.nextBytes(junk);
                return junk;
            }
            case 1 -> {
                return new byte[0];
            }
            default -> {
                String name = random.nextBoolean() ? "vol1" : random.nextBoolean() ? "" : "other";
                return option == OptionDescriptor.LIST_META_CONTEXT || option == OptionDescriptor.SET_META_CONTEXT
                        ? NbdWire.metaData(name, random.nextBoolean() ? "base:allocation" : "base:")
                        : NbdWire.infoData(name, random.nextInt(5), random.nextInt(5));
            }
        }
    }

    private static void request(NbdWire w, Random random, boolean structured, byte[] model, String where) {
        int[] types = {0, 0, 1, 1, 3, 4, 6, 7, 5, 8, 9, 200};
        int type = types[random.nextInt(types.length)];
        int flags = random.nextInt(4) == 0 ? random.nextInt(1 << 16) : random.nextInt(2) * RequestDescriptor.FLAG_FUA;
        long offset = switch (random.nextInt(6)) {
            case 0 -> random.nextLong();
            case 1 -> random.nextInt(SIZE + 8192);
            default -> random.nextInt(SIZE / 512 + 4) * 512L;
        };
        long length = switch (random.nextInt(6)) {
            case 0 -> random.nextInt() & 0xffffffffL;
            case 1 -> random.nextInt(70000);
            default -> random.nextInt(129) * 512L;
        };
        byte[] payload = null;
        if (type == RequestDescriptor.CMD_WRITE) {
            length = Math.min(length, 256 << 10);
            payload = new byte[(int) length];
            random.nextBytes(payload);
        }
        long cookie = random.nextLong();
        w.sendRequest(flags, type, cookie, offset, length, payload);
        boolean structuredRead = structured && (type == RequestDescriptor.CMD_READ
                || type == RequestDescriptor.CMD_BLOCK_STATUS);
        if (structuredRead) {
            List<Reply> chunks = w.structuredReply();
            assertThat(chunks).as(where).allMatch(c -> c.cookie() == cookie);
            if (type == RequestDescriptor.CMD_READ && chunks.getLast().type() != ReplyDescriptor.TYPE_ERROR) {
                assertThat(assemble(chunks, offset, (int) length)).as(where)
                        .isEqualTo(Arrays.copyOfRange(model, (int) offset, (int) (offset + length)));
            }
            return;
        }
        Reply first = w.readReply(0);
        assertThat(first.cookie()).as(where).isEqualTo(cookie);
        assertThat(first.structured()).as(where).isFalse();
        if (first.error() != 0) {
            return;
        }
        switch (type) {
            case RequestDescriptor.CMD_READ -> assertThat(w.read((int) length)).as(where)
                    .isEqualTo(Arrays.copyOfRange(model, (int) offset, (int) (offset + length)));
            case RequestDescriptor.CMD_WRITE -> System.arraycopy(payload, 0, model, (int) offset, payload.length);
            case RequestDescriptor.CMD_TRIM, RequestDescriptor.CMD_WRITE_ZEROES ->
                    Arrays.fill(model, (int) offset, (int) (offset + length), (byte) 0);
            default -> {
            }
        }
    }

    private static byte[] assemble(List<Reply> chunks, long offset, int length) {
        byte[] out = new byte[length];
        for (Reply c : chunks) {
            ByteBuf b = Unpooled.wrappedBuffer(c.data());
            if (c.type() == ReplyDescriptor.TYPE_OFFSET_DATA) {
                long at = b.readLong() - offset;
                b.readBytes(out, (int) at, b.readableBytes());
            } else {
                assertThat(c.type()).isIn(ReplyDescriptor.TYPE_OFFSET_HOLE, ReplyDescriptor.TYPE_NONE);
            }
        }
        return out;
    }
}
