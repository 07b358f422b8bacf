package dev.pfs.pswitch.client;

import dev.pfs.common.volume.VolumeException;
import dev.pfs.nativeio.UnixSocket;
import dev.pfs.pswitch.ring.RequestDescriptor;
import dev.pfs.pswitch.ring.RequestFlyweight;
import dev.pfs.pswitch.ring.SwitchOp;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * A client process for the system tests; one line on stdout per milestone.
 * <ul>
 *   <li>{@code io SOCKET VOLUME SEED OFFSET COUNT}: COUNT 4 KB FUA writes, each read back and
 *       compared; prints {@code attached}, {@code progress N} every 100, then
 *       {@code done N reattached=R};</li>
 *   <li>{@code claim SOCKET VOLUME}: claims a request slot and never commits it; prints
 *       {@code claimed session=ID} and waits to be killed;</li>
 *   <li>{@code try-attach SOCKET VOLUME}: prints {@code attached session=ID} after one verified
 *       write, or {@code refused: REASON};</li>
 *   <li>{@code idle SOCKET VOLUME}: attaches, prints {@code attached} and does nothing until
 *       killed (its heartbeat goes on);</li>
 *   <li>{@code garbage SOCKET VOLUME}: posts a write whose payload lies outside its arena;
 *       prints {@code disconnected session=ID} once the switch ends its socket.</li>
 * </ul>
 */
public final class SwitchClientMain {
    private SwitchClientMain() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "io" -> io(Path.of(args[1]), args[2], Long.parseLong(args[3]), Long.parseLong(args[4]),
                    Integer.parseInt(args[5]));
            case "claim" -> claim(args[1], args[2]);
            case "garbage" -> garbage(args[1], args[2]);
            case "idle" -> idle(Path.of(args[1]), args[2]);
            case "try-attach" -> tryAttach(Path.of(args[1]), args[2]);
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    private static void io(Path socket, String volume, long seed, long offset, int count) {
        try (SwitchVolume v = SwitchVolume.connect(socket, volume,
                new SwitchVolume.Options(Duration.ofSeconds(60), Duration.ofMillis(100)))) {
            System.out.println("attached");
            Random random = new Random(seed);
            byte[] data = new byte[4096];
            ByteBuffer back = ByteBuffer.allocate(4096);
            for (int i = 0; i < count; i++) {
                random.nextBytes(data);
                long at = offset + (long) i * 4096;
                VolumeException.await(v.write(at, ByteBuffer.wrap(data), 0, true));
                back.clear();
                VolumeException.await(v.read(at, back));
                if (!Arrays.equals(back.array(), data)) {
                    System.out.println("failed: read back different data at " + at);
                    System.exit(1);
                }
                if ((i + 1) % 100 == 0) {
                    System.out.println("progress " + (i + 1));
                }
            }
            System.out.println("done " + count + " reattached=" + v.reattachCount());
        } catch (VolumeException e) {
            System.out.println("failed: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void tryAttach(Path socket, String volume) {
        try (SwitchVolume v = SwitchVolume.connect(socket, volume)) {
            byte[] data = new byte[4096];
            Arrays.fill(data, (byte) 7);
            VolumeException.await(v.write(0, ByteBuffer.wrap(data), 0, true));
            System.out.println("attached session=" + v.sessionId());
        } catch (VolumeException e) {
            System.out.println("refused: " + e.getMessage());
        }
    }

    private static void idle(Path socket, String volume) throws Exception {
        try (SwitchVolume v = SwitchVolume.connect(socket, volume)) {
            System.out.println("attached session=" + v.sessionId());
            while (true) {
                LockSupport.park();
            }
        }
    }

    private static void claim(String socket, String volume) throws Exception {
        Attachment a = Attachment.attach(socket, volume);
        int index = a.channel().requests().tryClaim(RequestDescriptor.MSG_TYPE_ID, RequestDescriptor.LENGTH);
        System.out.println((index > 0 ? "claimed" : "failed: no claim") + " session=" + a.channel().sessionId());
        while (true) {
            LockSupport.park();
        }
    }

    private static void garbage(String socket, String volume) throws Exception {
        Attachment a = Attachment.attach(socket, volume);
        RingBuffer ring = a.channel().requests();
        int index = ring.tryClaim(RequestDescriptor.MSG_TYPE_ID, RequestDescriptor.LENGTH);
        new RequestFlyweight().wrap(ring.buffer(), index).requestId(1).op(SwitchOp.WRITE).volumeOffset(0)
                .arenaOffset(a.channel().layout().arenaLength()).length(4096).flags(0);
        ring.commit(index);
        int n = UnixSocket.receive(a.socket(), new byte[64]).length();
        System.out.println((n == 0 ? "disconnected" : "failed: still connected") + " session=" + a.channel().sessionId());
    }
}
