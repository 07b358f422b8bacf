package dev.pfs.chunkserver.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.chunkserver.store.ChunkStore;
import dev.pfs.chunkserver.store.StoreObserver;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.parallelraft.Message;
import dev.pfs.parallelraft.MessageType;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One server's replication fed messages it must refuse: for a group it does not hold, from a
 * stale term, from a server that is no member, and bytes that are no messages. Each is counted,
 * none changes the group, and the group still takes a valid leader's heartbeat.
 */
class ReplicationRefusalTest {
    private static final long GROUP = 42;

    @TempDir
    Path dir;
    private FileVolume data;
    private FileVolume wal;
    private FileVolume meta;
    private FileVolume log;
    private ChunkStore store;
    private Replication replication;

    @BeforeEach
    void open() throws Exception {
        data = FileVolume.create(dir.resolve("data"), 64L << 20);
        wal = FileVolume.create(dir.resolve("wal"), 4 << 20);
        meta = FileVolume.create(dir.resolve("meta"), ChunkStore.metaVolumeSize(data.size(), 16));
        log = FileVolume.create(dir.resolve("replication.log"), 16 << 20);
        ChunkStore.format(data, meta, 16);
        store = ChunkStore.open(data, wal, meta, new ChunkStore.Options(1 << 20, 0.5, StoreObserver.NONE));
        replication = Replication.open(1, log, store);
        Map<Integer, InetSocketAddress> members = new LinkedHashMap<>();
        for (int id = 1; id <= 3; id++) {
            // Nobody listens there: messages to peers are dropped, which this test does not need.
            members.put(id, InetSocketAddress.createUnresolved("127.0.0.1", 1));
        }
        replication.createGroup(new GroupSpec(GROUP, 1 << 20, members), true).get();
    }

    @AfterEach
    void close() {
        replication.close();
        store.close();
        for (FileVolume v : List.of(log, meta, wal, data)) {
            v.close();
        }
    }

    private void send(long group, Message m) {
        ByteBuffer b = ByteBuffer.allocate(RaftCodec.messagesLength(List.of(m)));
        RaftCodec.encodeMessages(List.of(m), b);
        replication.receive(group, 0, b.flip());
    }

    private void eventually(Supplier<Boolean> condition) throws InterruptedException {
        for (int i = 0; i < 500 && !condition.get(); i++) {
            Thread.sleep(10);
        }
        assertThat(condition.get()).as("counters %s", replication.counters()).isTrue();
    }

    @Test
    void unknownGroupsStaleTermsStrangersAndGarbageAreRefusedAndCounted() throws Exception {
        send(GROUP + 1, Message.of(MessageType.HEARTBEAT, 2, 1, 1));
        eventually(() -> replication.counters().get("unknown_group") == 1);

        send(GROUP, Message.of(MessageType.HEARTBEAT, 2, 1, 5));
        send(GROUP, Message.of(MessageType.HEARTBEAT, 3, 1, 4));
        eventually(() -> replication.counters().get("refused") == 1);

        send(GROUP, Message.of(MessageType.HEARTBEAT, 9, 1, 6));
        eventually(() -> replication.counters().get("refused") == 2);

        replication.receive(GROUP, 0, ByteBuffer.wrap(new byte[] {0, 0, 0, 1, 99}));
        eventually(() -> replication.counters().get("refused") == 3);

        // Handled in order: once the stranger after it is counted, the valid heartbeat was handled too.
        send(GROUP, Message.of(MessageType.HEARTBEAT, 2, 1, 5));
        send(GROUP, Message.of(MessageType.HEARTBEAT, 9, 1, 7));
        eventually(() -> replication.counters().get("refused") >= 4);
        assertThat(replication.counters().get("refused")).as("a valid heartbeat is not refused").isEqualTo(4);
        assertThat(replication.failure()).isNull();
    }
}
