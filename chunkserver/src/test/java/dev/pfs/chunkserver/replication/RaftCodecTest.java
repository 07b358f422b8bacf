package dev.pfs.chunkserver.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.parallelraft.Entry;
import dev.pfs.parallelraft.EntryKind;
import dev.pfs.parallelraft.HardState;
import dev.pfs.parallelraft.LbaRange;
import dev.pfs.parallelraft.LbbSlot;
import dev.pfs.parallelraft.Message;
import dev.pfs.parallelraft.MessageType;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RaftCodecTest {
    private static Entry entry(long index, Random rnd) {
        byte[] data = new byte[rnd.nextInt(64)];
        rnd.nextBytes(data);
        return new Entry(index, 3, 2, EntryKind.WRITE, List.of(new LbaRange(rnd.nextInt(100), 1 + rnd.nextInt(8))),
                List.of(new LbbSlot(index - 1, 2, List.of(new LbaRange(4, 2)))), data);
    }

    @Test
    void messagesEntriesAndHardStatesRoundTrip() {
        Random rnd = new Random(5);
        List<Message> ms = List.of(
                new Message(MessageType.APPEND, 1, 2, 7, 10, 6, List.of(entry(11, rnd), entry(12, rnd)), 9,
                        new long[] {13, 15}, false, new byte[0]),
                new Message(MessageType.CHECKPOINT, 1, 3, 7, 40, 6, List.of(), 0, new long[] {1, 2, 3}, true,
                        new byte[] {1, 2, 3}),
                Message.of(MessageType.HEARTBEAT_RESP, 2, 1, 7).withReject());
        ByteBuffer b = ByteBuffer.allocate(RaftCodec.messagesLength(ms));
        RaftCodec.encodeMessages(ms, b);
        assertThat(b.hasRemaining()).isFalse();
        assertThat(RaftCodec.decodeMessages(b.flip())).isEqualTo(ms);

        Entry e = entry(99, rnd);
        assertThat(RaftCodec.decodeEntry(RaftCodec.encodeEntry(e))).isEqualTo(e);
        HardState h = new HardState(9, 2, 50, 40, 8, List.of(1, 2, 3), 7);
        assertThat(RaftCodec.decodeHardState(RaftCodec.encodeHardState(h))).isEqualTo(h);
    }

    @Test
    void truncatedOrGarbageInputIsRefusedNotThrownAsSomethingElse() {
        Random rnd = new Random(6);
        List<Message> ms = List.of(new Message(MessageType.APPEND, 1, 2, 7, 10, 6, List.of(entry(11, rnd)), 9,
                new long[0], false, new byte[0]));
        ByteBuffer b = ByteBuffer.allocate(RaftCodec.messagesLength(ms));
        RaftCodec.encodeMessages(ms, b);
        byte[] all = b.array();
        for (int cut = 0; cut < all.length; cut++) {
            ByteBuffer part = ByteBuffer.wrap(all, 0, cut).slice();
            assertThatThrownBy(() -> RaftCodec.decodeMessages(part)).isInstanceOf(IllegalArgumentException.class);
        }
        for (int i = 0; i < 200; i++) {
            byte[] junk = new byte[rnd.nextInt(200)];
            rnd.nextBytes(junk);
            try {
                RaftCodec.decodeMessages(ByteBuffer.wrap(junk));
            } catch (IllegalArgumentException expected) {
                assertThat(expected).hasMessageNotContaining("null");
            }
        }
    }
}
