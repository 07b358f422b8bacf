package dev.pfs.pswitch.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.common.volume.VolumeException;
import dev.pfs.nativeio.UnixSocket;
import dev.pfs.pswitch.ring.Channel;
import dev.pfs.pswitch.ring.ChannelDescriptor;
import dev.pfs.pswitch.ring.RequestDescriptor;
import dev.pfs.pswitch.ring.RequestFlyweight;
import dev.pfs.pswitch.ring.SwitchOp;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One client that breaks the protocol or dies is disconnected and freed; the others go on. */
@Timeout(60)
class SwitchFaultTest {
    private static final long SIZE = 16L << 20;

    @TempDir
    Path dir;
    private SwitchFixture sw;

    @AfterEach
    void stop() {
        if (sw != null) {
            sw.close();
        }
    }

    private SwitchFixture start(Duration heartbeatTimeout) throws Exception {
        sw = new SwitchFixture(dir).volume("v", SIZE).heartbeatTimeout(heartbeatTimeout).start();
        return sw;
    }

    private static void post(Channel c, long arenaOffset, long length) {
        RingBuffer ring = c.requests();
        int i = ring.tryClaim(RequestDescriptor.MSG_TYPE_ID, RequestDescriptor.LENGTH);
        new RequestFlyweight().wrap(ring.buffer(), i).requestId(1).op(SwitchOp.WRITE).volumeOffset(0)
                .arenaOffset(arenaOffset).length(length).flags(0);
        ring.commit(i);
    }

    /** Waits until the switch ends the raw client's socket. */
    private static void awaitDisconnect(Attachment raw) throws Exception {
        assertThat(UnixSocket.receive(raw.socket(), new byte[64]).length()).isZero();
    }

    private static void stillWorks(SwitchVolume good, long seed) throws VolumeException {
        byte[] data = new byte[4096];
        new Random(seed).nextBytes(data);
        VolumeException.await(good.write(0, ByteBuffer.wrap(data), 0, true));
        ByteBuffer back = ByteBuffer.allocate(4096);
        VolumeException.await(good.read(0, back));
        assertThat(back.array()).isEqualTo(data);
    }

    @Test
    void anIdleSwitchSleepsAndADoorbellWakesItForTheNextRequest() throws Exception {
        start(Duration.ofSeconds(30));
        try (SwitchVolume v = sw.connect("v"); Attachment raw = Attachment.attach(sw.socket().toString(), "v")) {
            stillWorks(v, 6);
            Wait.until(() -> raw.channel().header().getIntVolatile(ChannelDescriptor.SWITCH_ASLEEP_OFFSET) == 1,
                    "the idle switch raises its asleep flag");
            stillWorks(v, 7);
            assertThat(v.reattachCount()).isZero();
        }
    }

    @Test
    void aClientWritingOutsideItsArenaIsDisconnectedAndTheOthersGoOn() throws Exception {
        start(Duration.ofSeconds(30));
        try (SwitchVolume good = sw.connect("v"); Attachment raw = Attachment.attach(sw.socket().toString(), "v")) {
            stillWorks(good, 1);
            post(raw.channel(), raw.channel().layout().arenaLength() - 512, 4096);
            awaitDisconnect(raw);
            assertThat(sw.daemon().violationCount()).isEqualTo(1);
            Wait.until(() -> sw.daemon().freedCount() == 1, "the switch frees the bad client's channel");
            stillWorks(good, 2);
        }
    }

    @Test
    void aRingRecordWithAGarbageLengthDisconnectsItsClient() throws Exception {
        start(Duration.ofSeconds(30));
        try (SwitchVolume good = sw.connect("v"); Attachment raw = Attachment.attach(sw.socket().toString(), "v")) {
            RingBuffer ring = raw.channel().requests();
            // A record header that claims most of the ring, committed by hand.
            ring.buffer().putInt(4, RequestDescriptor.MSG_TYPE_ID);
            ring.buffer().putLong(ring.capacity() + RingBufferDescriptor.TAIL_POSITION_OFFSET, 64);
            ring.buffer().putIntOrdered(0, 1 << 30);
            awaitDisconnect(raw);
            Wait.until(() -> sw.daemon().freedCount() == 1, "the switch frees the corrupt client's channel");
            stillWorks(good, 3);
        }
    }

    @Test
    void aClientThatDiesInsideAClaimIsFreedAndTheOthersGoOn() throws Exception {
        start(Duration.ofSeconds(30));
        try (SwitchVolume good = sw.connect("v")) {
            Attachment raw = Attachment.attach(sw.socket().toString(), "v");
            int claimed = raw.channel().requests().tryClaim(RequestDescriptor.MSG_TYPE_ID, RequestDescriptor.LENGTH);
            assertThat(claimed).isPositive();
            raw.close(); // what the kernel does to a process killed here: its socket closes
            Wait.until(() -> sw.daemon().freedCount() == 1, "the switch frees the dead client's channel");
            stillWorks(good, 4);
        }
    }

    @Test
    void aClientWhoseHeartbeatStopsIsDisconnectedWhileABeatingOneStays() throws Exception {
        start(Duration.ofMillis(300));
        try (SwitchVolume good = sw.connect("v"); Attachment silent = Attachment.attach(sw.socket().toString(), "v")) {
            awaitDisconnect(silent);
            Wait.until(() -> sw.daemon().freedCount() == 1, "the switch frees the silent client's channel");
            stillWorks(good, 5);
            assertThat(good.reattachCount()).isZero();
        }
    }
}
